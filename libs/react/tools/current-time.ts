import { ToolError, type Tool } from './tool';

export const currentTime: Tool<{ timezone?: string }> = {
  name: 'current_time',
  description: 'The current date and time, in UTC or in the given IANA time zone (e.g. "Europe/Paris").',
  parameters: {
    type: 'object',
    properties: { timezone: { type: 'string', description: 'IANA time zone name; UTC when omitted' } },
    additionalProperties: false,
  },
  run({ timezone = 'UTC' }, ctx) {
    if (!isTimeZone(timezone)) return Promise.reject(new ToolError(`unknown time zone '${timezone}' (use an IANA name like Europe/Paris)`));
    const now = ctx.now();
    return Promise.resolve({ iso: now.toISOString(), timezone, local: localTime(now, timezone) });
  },
};

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** `2026-01-31 14:05:09` in the zone, plus its offset name. */
function localTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}`;
}
