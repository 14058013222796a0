package lpe.jobs;

import lpe.batching.Batcher;

/** A model held warm: its handle and the batcher that fuses every job's rows for it. */
public record LoadedModel(String name, ModelHandle handle, Batcher batcher) {}
