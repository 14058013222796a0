package lpe.engine;

/**
 * What {@link Output#PROPOSALS} asks for besides the rows' positions ({@link EngineRequest#positions()}): the law φ,
 * one uniform in [0, 1) per row and position for the draws, and per row the column whose log-probability under φ at
 * the row's first position is wanted (MHIS's reverse proposal; −1: none).
 */
public record Proposals(ProposalLaw law, float[][] uniforms, int[] reverseColumns) {}
