package lpe.jobs;

import lpe.engine.ModelShape;

/** A model under the model root; {@code architecture} and {@code shape} are null until it is loaded. */
public record ModelInfo(String name, boolean loaded, String architecture, ModelShape shape) {}
