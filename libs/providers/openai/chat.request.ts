/**
 * The client's body goes upstream untouched but for `model`, which becomes the chain entry's name
 * for it: fields the gateway does not know (tools, response_format, logprobs, vendor extras) survive.
 */
export function passthroughBody(body: Record<string, unknown>, model: string): string {
  return JSON.stringify({ ...body, model });
}
