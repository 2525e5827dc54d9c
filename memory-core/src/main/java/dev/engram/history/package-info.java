/**
 * The audit trail: every change to a memory is a {@link dev.engram.history.HistoryEvent} with
 * before / after values, reason, actor and time.
 */
package dev.engram.history;
