import { given } from '../testing/given';
import { lineDiff } from './line-diff';
import { promptDecider } from './prompt.decider';
import type { PromptCommand, PromptEvent } from './prompt.events';

const pattern = 'basic_react';
const now = '2025-01-01T12:00:00.000Z';
const FILE = 'Tools:\n{{tools}}\nQuestion: {{question}}';
const EDITED = 'Be brief.\nTools:\n{{tools}}\nQuestion: {{question}}';

const changed = (prompt: string, before: string, source: 'file' | 'admin', by = source === 'file' ? 'file' : 'alice'): PromptEvent => ({
  type: 'PromptChanged',
  data: { pattern, prompt, diff: lineDiff(before, prompt), by, source },
});
const change = (prompt: string, source: 'file' | 'admin', by = source === 'file' ? 'file' : 'alice'): PromptCommand => ({
  type: 'ChangePrompt',
  data: { pattern, prompt, by, source, now },
});

describe('prompt decider', () => {
  describe('when nothing is recorded', () => {
    it('the file seeds the prompt', () => {
      given(promptDecider)
        .when(change(FILE, 'file'))
        .then([changed(FILE, '', 'file')]);
    });
  });

  describe('when the file seeded it', () => {
    it('the same file seeds nothing again', () => {
      given(promptDecider, changed(FILE, '', 'file'))
        .when(change(FILE, 'file'))
        .then([]);
    });
    it('an admin change is recorded with its diff and who made it', () => {
      given(promptDecider, changed(FILE, '', 'file'))
        .when(change(EDITED, 'admin'))
        .then([changed(EDITED, FILE, 'admin')]);
    });
  });

  describe('when an admin changed it', () => {
    const history = [changed(FILE, '', 'file'), changed(EDITED, FILE, 'admin')];
    it('the unchanged file does not undo it at the next start', () => {
      given(promptDecider, ...history)
        .when(change(FILE, 'file'))
        .then([]);
    });
    it('an edited file replaces it', () => {
      const newer = `${FILE}\nThink first.`;
      given(promptDecider, ...history)
        .when(change(newer, 'file'))
        .then([changed(newer, EDITED, 'file')]);
    });
    it('a file seen before does not bring its prompt back', () => {
      given(promptDecider, ...history)
        .when(change(FILE, 'file'))
        .then([]);
    });
    it('the same admin change again records nothing', () => {
      given(promptDecider, ...history)
        .when(change(EDITED, 'admin'))
        .then([]);
    });
  });
});

describe('two processes started with different pattern files', () => {
  const OTHER = `${FILE}\nAnswer in French.`;
  const history = [changed(FILE, '', 'file'), changed(OTHER, FILE, 'file')];
  it('converge on the file seeded last: neither restart undoes the other', () => {
    given(promptDecider, ...history)
      .when(change(FILE, 'file'))
      .then([]);
    given(promptDecider, ...history)
      .when(change(OTHER, 'file'))
      .then([]);
  });
});

describe('lineDiff', () => {
  it('lists removed and added lines only', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc\nd')).toEqual(['-b', '+B', '+d']);
    expect(lineDiff('', 'x')).toEqual(['+x']);
    expect(lineDiff('same', 'same')).toEqual([]);
  });
});
