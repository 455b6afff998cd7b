// Workflow histories as proto-JSON: the format of `temporal workflow show --output json` and of
// the Web UI's "download history", so a history taken from production can be dropped in
// test/replay/histories as is. (protobufjs 8 is a direct dependency so npm installs a single
// copy; the SDK's helpers need their types and protojson from the same copy.)
import { type History, historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';

/** A fetched history (handle.fetchHistory()) → proto-JSON object. */
export function historyToJson(history: History): unknown {
  return JSON.parse(historyToJSON(history));
}

/** Proto-JSON (ours, the CLI's or the Web UI's) → a History that Worker.runReplayHistories takes as is. */
export function historyFromJson(json: unknown): History {
  if (!json || typeof json !== 'object' || !Array.isArray((json as { events?: unknown }).events))
    throw new TypeError('not a history: expected {events: [...]}');
  return historyFromJSON(json);
}
