import type { FastifyReply } from 'fastify';

/** The admitted request an agent answers: whose it is and when it arrived (`performance.now()`), for its record. */
export interface AgentRequestOrigin {
  client: string | null;
  startedAt: number;
}

/**
 * What `/v1/chat/completions` needs from the ReAct module for an agent alias
 * (`reasoning_mode: react`): run the agent, answer as a chat completion and hand the request's
 * record (the session's model calls summed) to the observers. The abstract class is the
 * injection token; `ReactModule` provides it.
 */
export abstract class ReactChat {
  abstract complete(alias: string, body: Record<string, unknown>, reply: FastifyReply, origin: AgentRequestOrigin): Promise<void>;
}
