/**
 * Recall: how a query becomes ranked hits, written once for every backend — admission, candidate
 * lists from the backend, fusion, conversation signals, the decay / importance blend, link
 * expansion, and which hits count as recalled.
 */
package dev.engram.recall;
