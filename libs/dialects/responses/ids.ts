/**
 * Ids of a response and of its output items. An item's id names its response and its place in
 * `output`, so an `item_reference` (which the Vercel AI SDK sends for every earlier assistant
 * turn) is found by reading one stored response, on any replica, without an index of items.
 */
const ITEM_ID = /^(msg|fc)_([A-Za-z0-9]+)_(\d+)$/;

export function responseId(hex: string): string {
  return `resp_${hex}`;
}

export function outputItemId(responseId: string, kind: 'message' | 'function_call', outputIndex: number): string {
  return `${kind === 'message' ? 'msg' : 'fc'}_${responseId.replace(/^resp_/, '')}_${outputIndex}`;
}

/** The response an output item id points into, and its index there; undefined for ids the gateway never gave. */
export function parseOutputItemId(id: string): { responseId: string; outputIndex: number } | undefined {
  const match = ITEM_ID.exec(id);
  return match ? { responseId: `resp_${match[2]}`, outputIndex: Number(match[3]) } : undefined;
}
