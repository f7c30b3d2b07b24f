import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { promptDecider, promptStream, runCommand, type PromptCommand, type PromptEvent } from '@switchboard/domain';
import type { EventStore, RecordedEvent } from '@switchboard/event-store';
import { PatternRegistry } from '@switchboard/react';
import { ProjectionFeed, type FollowingProjection } from '../core/projection-feed';
import { EVENT_STORE } from '../tokens';

/**
 * System prompts live in the store (`prompt-<pattern>`): the pattern files seed it at start (a prompt
 * no file seeded before), an admin change appends `PromptChanged`, and every
 * replica applies each one to its registry as the feed delivers it, so the next session of the
 * pattern uses it. Nothing is written to the config folder, which may be mounted read-only.
 */
@Injectable()
export class PromptStore implements FollowingProjection, OnApplicationBootstrap {
  private readonly logger = new Logger(PromptStore.name);
  private readonly applied = new Map<string, number>();
  /** The prompts as the files had them at start: what seeds the store. */
  private readonly fromFiles: Array<[string, string]>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly patterns: PatternRegistry,
    feed: ProjectionFeed,
  ) {
    this.fromFiles = patterns.list().map(({ name }) => [name, patterns.get(name)!.systemPrompt]);
    feed.follow(this);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const [pattern, prompt] of this.fromFiles) {
      try {
        await this.change(pattern, prompt, 'file', 'file');
      } catch (error) {
        this.logger.error(
          `could not seed the prompt of ${pattern} from its file: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Appends the change (nothing when it changes nothing) and applies it here at once. */
  async change(pattern: string, prompt: string, by: string, source: 'file' | 'admin'): Promise<RecordedEvent[]> {
    const command: PromptCommand = { type: 'ChangePrompt', data: { pattern, prompt, by, source, now: new Date().toISOString() } };
    const { history, recorded } = await runCommand(this.store, promptStream(pattern), promptDecider, command);
    for (const event of history) this.apply(event);
    for (const event of recorded) this.apply(event);
    return recorded;
  }

  history(pattern: string): Promise<RecordedEvent[]> {
    return this.store.readStream(promptStream(pattern));
  }

  /** An event arrives twice (local apply, subscription) and in order per stream: older ones are ignored. */
  apply(recorded: RecordedEvent): void {
    if (!recorded.stream.startsWith('prompt-') || recorded.type !== 'PromptChanged') return;
    const last = this.applied.get(recorded.stream);
    if (last !== undefined && recorded.revision <= last) return;
    this.applied.set(recorded.stream, recorded.revision);
    const { pattern, prompt } = (recorded as unknown as PromptEvent).data;
    const result = this.patterns.setSystemPrompt(pattern, prompt);
    if (!result.ok && result.code === 'invalid_prompt') this.logger.warn(`ignored a stored prompt of ${pattern}: ${result.reason}`);
  }
}
