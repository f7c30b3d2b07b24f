import type { FastifyReply } from 'fastify';

/**
 * What `/v1/chat/completions` needs from the ReAct module for an agent alias
 * (`reasoning_mode: react`): run the agent and answer as a chat completion. The abstract class
 * is the injection token; `ReactModule` provides it.
 */
export abstract class ReactChat {
  abstract complete(alias: string, body: Record<string, unknown>, reply: FastifyReply): Promise<void>;
}
