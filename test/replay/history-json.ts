// Workflow histories as proto-JSON: the format of `temporal workflow show --output json` and of
// the Web UI's "download history", so a history taken from production can be dropped in
// test/replay/histories as is.
//
// Why not the SDK's historyToJSON/historyFromJSON: with this lockfile npm installs protobufjs 7
// at the top (for @grpc/proto-loader) and two separate copies of protobufjs 8 under
// @temporalio/common and @temporalio/proto; the SDK's helpers then pair one copy's protojson
// with the other copy's types and throw "type must be a Type". Here protojson is taken from the
// very protobufjs copy @temporalio/proto was built with (which also works once deduplicated).
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';

type ProtoJson = { toJson(type: unknown, message: unknown): unknown; fromJson(type: unknown, json: unknown, opts?: { ignoreUnknownFields?: boolean }): unknown };

const protoDir = path.dirname(require.resolve('@temporalio/proto'));
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
const proto = require('@temporalio/proto');
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

/** A fetched history (handle.fetchHistory()) → proto-JSON object. */
export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

/** Proto-JSON (ours, the CLI's or the Web UI's) → a History that Worker.runReplayHistories takes as is. */
export function historyFromJson(json: unknown): History {
  if (!json || typeof json !== 'object' || !Array.isArray((json as { events?: unknown }).events)) throw new TypeError('not a history: expected {events: [...]}');
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
