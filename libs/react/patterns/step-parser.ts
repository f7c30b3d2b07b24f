import type { Pattern } from './pattern';

/** One model turn in a text pattern, read as a value: a malformed turn is `invalid`, never a throw. */
export type ParsedStep =
  | { kind: 'answer'; thought?: string; content: string }
  | { kind: 'action'; thought?: string; tool: string; input: unknown; rawInput: string; inputIsJson: boolean }
  | { kind: 'invalid'; thought?: string; reason: string };

const THINK_BLOCK = /<think>([\s\S]*?)(?:<\/think>|$)/i;

export function parseStep(pattern: Pattern, text: string): ParsedStep {
  const { markers } = pattern;
  let body = text;
  let reasoning: string | undefined;
  if (pattern.reasoning === 'think_tags') ({ reasoning, body } = splitThink(text));

  // A model that keeps writing past its action invents the observation: keep only its own part.
  const observationAt = indexOfMarker(body, markers.observation);
  if (observationAt >= 0) body = body.slice(0, observationAt);

  const actionAt = indexOfMarker(body, markers.action);
  const answerAt = indexOfMarker(body, markers.finalAnswer);
  const firstAt = [actionAt, answerAt].filter((i) => i >= 0).sort((a, b) => a - b)[0];
  const thought = joinThought(reasoning, stripMarker(firstAt === undefined ? body : body.slice(0, firstAt), markers.thought));

  if (firstAt === undefined) {
    return {
      kind: 'invalid',
      thought,
      reason: `no '${markers.action}' or '${markers.finalAnswer}' found: reply with an Action and its Action Input, or a Final Answer`,
    };
  }
  if (firstAt === answerAt) {
    const content = body.slice(answerAt + markers.finalAnswer.length).trim();
    if (content === '') return { kind: 'invalid', thought, reason: `'${markers.finalAnswer}' is empty` };
    return { kind: 'answer', thought, content };
  }

  const afterAction = body.slice(actionAt + markers.action.length);
  const inputAt = indexOfMarker(afterAction, markers.actionInput);
  const tool = cleanToolName(inputAt >= 0 ? afterAction.slice(0, inputAt) : afterAction.split('\n')[0]);
  if (tool === '') return { kind: 'invalid', thought, reason: `'${markers.action}' names no tool` };
  if (inputAt < 0) return { kind: 'invalid', thought, reason: `'${markers.action} ${tool}' has no '${markers.actionInput}' line` };
  const rawInput = stripFence(afterAction.slice(inputAt + markers.actionInput.length).trim());
  const json = tryJson(rawInput).ok ? tryJson(rawInput) : tryJson(rawInput.split('\n')[0]);
  return { kind: 'action', thought, tool, input: json.ok ? json.value : rawInput, rawInput, inputIsJson: json.ok };
}

/** `<think>` blocks (closed or cut short) are the reasoning; what follows is the step. */
function splitThink(text: string): { reasoning?: string; body: string } {
  const match = THINK_BLOCK.exec(text);
  if (match)
    return { reasoning: match[1].trim() || undefined, body: text.slice(0, match.index) + text.slice(match.index + match[0].length) };
  // Some servers strip the opening tag and leave only `</think>`.
  const close = text.toLowerCase().indexOf('</think>');
  if (close >= 0) return { reasoning: text.slice(0, close).trim() || undefined, body: text.slice(close + '</think>'.length) };
  return { body: text };
}

/** Position of a marker at the start of a line (case-insensitive), or -1. */
function indexOfMarker(text: string, marker: string): number {
  const re = new RegExp(`(^|\\n)[ \\t*_]*${escapeRegExp(marker)}`, 'i');
  const match = re.exec(text);
  if (!match) return -1;
  return match.index + match[0].length - marker.length;
}

function stripMarker(text: string, marker: string): string | undefined {
  const at = indexOfMarker(text, marker);
  const trimmed = (at >= 0 ? text.slice(at + marker.length) : text).trim();
  return trimmed === '' ? undefined : trimmed;
}

function joinThought(reasoning: string | undefined, thought: string | undefined): string | undefined {
  const parts = [reasoning, thought].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function cleanToolName(text: string): string {
  return text.trim().replace(/^[`"'[\s*]+|[`"'\]\s*]+$/g, '');
}

function stripFence(text: string): string {
  const fence = /^```[a-z]*\s*\n?([\s\S]*?)\n?```\s*$/i.exec(text);
  return fence ? fence[1].trim() : text;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The model's own part of a turn: everything before an observation it may have invented. */
export function ownPart(pattern: Pattern, text: string): string {
  const at = indexOfMarker(text, pattern.markers.observation);
  return (at >= 0 ? text.slice(0, at) : text).trimEnd();
}

/** The text outside any `<think>` block, for a model that answered plainly. */
export function withoutThinking(text: string): string {
  return splitThink(text).body.trim();
}
