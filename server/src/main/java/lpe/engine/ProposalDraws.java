package lpe.engine;

/**
 * {@link Output#PROPOSALS}' result: per row b and requested position q, the drawn column ({@link ProposalLaw#draw})
 * and its log-probability, [B][Q] each; per row, log φ of its reverse column at its first position (0 where none was
 * asked for or the position is fixed), [B].
 */
public record ProposalDraws(int[][] columns, float[][] logProbabilities, float[] reverseLogProbabilities) {}
