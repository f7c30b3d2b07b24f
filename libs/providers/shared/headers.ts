export type HeaderBag = Record<string, string | string[] | undefined>;

/** First value of a header, looked up case-insensitively (transports differ in how they case names). */
export function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Whether a `content-type` value (or the first of several) announces server-sent events. */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return value?.trimStart().toLowerCase().startsWith('text/event-stream') ?? false;
}
