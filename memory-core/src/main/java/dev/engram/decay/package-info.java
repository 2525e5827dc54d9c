/**
 * Forgetting and ranking: the Ebbinghaus retention curve, tier movement and archiving ({@link
 * dev.engram.decay.DecayPolicy}), and the blend of relevance, retention and importance ({@link
 * dev.engram.decay.RankingWeights}).
 */
package dev.engram.decay;
