package lpe.dist;

/** A preset built for one vocabulary, or refused with the reason (docs/methods.md#presets). */
public sealed interface PresetOutcome {

    String name();

    record Built(String name, InputDistribution distribution) implements PresetOutcome {}

    record Refused(String name, String reason) implements PresetOutcome {}
}
