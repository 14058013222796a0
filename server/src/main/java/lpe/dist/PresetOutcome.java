package lpe.dist;

/** A preset built for one vocabulary, or refused with the reason (METHODS.md §2.2 "If it fails"). */
public sealed interface PresetOutcome {

    String name();

    record Built(String name, InputDistribution distribution) implements PresetOutcome {}

    record Refused(String name, String reason) implements PresetOutcome {}
}
