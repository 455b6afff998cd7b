// Negative controls made of histories rather than code: a committed history edited so that it
// records what the current workflow code would NOT have done. Replaying it must fail with a
// DeterminismViolationError; if it does not, replay is not checking that path.
// The edits work on proto-JSON (test/replay/history-json.ts) and keep the history well formed:
// events are renumbered and references to removed events follow to the kept event of the same type.

interface EventJson {
  eventId: string;
  eventType: string;
  [attributes: string]: unknown;
}
export interface HistoryJson {
  events: EventJson[];
}

const attributesOf = (e: EventJson) =>
  Object.entries(e).find(([k]) => k.endsWith('EventAttributes'))?.[1] as Record<string, unknown>;

function withoutEvents(history: HistoryJson, dropped: Set<string>): HistoryJson {
  const newId = new Map<string, string>();
  const lastKeptOfType = new Map<string, string>();
  const redirect = new Map<string, string>();
  let next = 1;
  for (const e of history.events) {
    if (dropped.has(e.eventId)) {
      const kept = lastKeptOfType.get(e.eventType);
      if (kept) redirect.set(e.eventId, kept);
      continue;
    }
    newId.set(e.eventId, String(next++));
    lastKeptOfType.set(e.eventType, e.eventId);
  }
  const events = history.events
    .filter((e) => !dropped.has(e.eventId))
    .map((e) => {
      const copy = structuredClone(e);
      const attrs = attributesOf(copy);
      for (const [k, v] of Object.entries(attrs ?? {})) {
        if (!k.endsWith('EventId') || typeof v !== 'string') continue;
        const target = newId.get(redirect.get(v) ?? v);
        if (!target) throw new Error(`event ${e.eventId}: ${k} ${v} points at a removed event`);
        attrs[k] = target;
      }
      copy.eventId = newId.get(e.eventId)!;
      return copy;
    });
  return { ...history, events };
}

/**
 * The activity `activityType` never happened: its scheduled, started and closed events go, and
 * the workflow task that its completion woke (the next one carries on as the previous task did).
 */
export function withoutActivity(history: HistoryJson, activityType: string): HistoryJson {
  const { events } = history;
  const scheduled = events.find(
    (e) => (attributesOf(e)?.activityType as { name?: string } | undefined)?.name === activityType,
  );
  if (!scheduled) throw new Error(`no ${activityType} activity in the history`);
  const dropped = new Set([scheduled.eventId]);
  let closed = -1;
  events.forEach((e, i) => {
    if (attributesOf(e)?.scheduledEventId === scheduled.eventId) {
      dropped.add(e.eventId);
      closed = i;
    }
  });
  const wakes = events.slice(closed + 1, closed + 4);
  if (wakes.map((e) => e.eventType.replace('EVENT_TYPE_WORKFLOW_TASK_', '')).join() !== 'SCHEDULED,STARTED,COMPLETED')
    throw new Error(`${activityType}: expected a workflow task after it closed`);
  for (const e of wakes) dropped.add(e.eventId);
  return withoutEvents(history, dropped);
}

/**
 * The run never recorded the patch `patchId` (as if begun before it): its marker goes, and the
 * TemporalChangeVersion search attribute the SDK upserts beside it.
 */
export function withoutPatchMarker(history: HistoryJson, patchId: string): HistoryJson {
  const dropped = new Set(
    history.events
      .filter((e) => patchIdOf(e) === patchId || changeVersionsOf(e)?.join() === patchId)
      .map((e) => e.eventId),
  );
  if (dropped.size === 1) {
    // A later patch's upsert lists the earlier ones too: that upsert goes when the patches it
    // lists besides this one were upserted before (as the code without this patch would not upsert).
    const seen = new Set<string>();
    for (const e of history.events) {
      const versions = changeVersionsOf(e);
      if (!versions) continue;
      if (versions.includes(patchId) && versions.every((v) => v === patchId || seen.has(v))) {
        dropped.add(e.eventId);
        break;
      }
      versions.forEach((v) => seen.add(v));
    }
  }
  if (dropped.size !== 2) throw new Error(`expected a ${patchId} patch marker and its change version upsert`);
  return withoutEvents(history, dropped);
}

/** The patches an upsert of TemporalChangeVersion (and nothing else) lists, else undefined. */
function changeVersionsOf(e: EventJson): string[] | undefined {
  const fields = (attributesOf(e)?.searchAttributes as { indexedFields?: Record<string, { data: string }> })
    ?.indexedFields;
  if (!fields || Object.keys(fields).join() !== 'TemporalChangeVersion') return undefined;
  return JSON.parse(Buffer.from(fields.TemporalChangeVersion.data, 'base64').toString('utf8')) as string[];
}

/** The patch a core_patch marker records ({"id": …} in its patch-data payload), else undefined. */
export function patchIdOf(e: EventJson): string | undefined {
  const attrs = attributesOf(e);
  if (attrs?.markerName !== 'core_patch') return undefined;
  const payload = (attrs.details as Record<string, { payloads: { data: string }[] }>)['patch-data'].payloads[0];
  return (JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { id: string }).id;
}
