import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { unifiedMergeView } from '@codemirror/merge';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, highlightActiveLine, lineNumbers } from '@codemirror/view';
import { minimalSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';

export type { Diagnostic };

interface EditorProps {
  /** The accessible name of the text area (the editor is a labelled textbox). */
  label: string;
  /** The text to start from. The editor owns its text afterwards: give it a new `key` to start over. */
  initial: string;
  onChange: (text: string) => void;
  language?: 'yaml';
  /** Problems to mark in the text, found as the user types (debounced by the lint extension). */
  lint?: (text: string) => Promise<Diagnostic[]>;
}

/** Line numbers and the active line over CodeMirror's minimal setup (history, keys, highlighting). */
const setup: Extension = [minimalSetup, lineNumbers(), highlightActiveLine()];

/**
 * A CodeMirror 6 editor. Tab is left to the browser (no setup here binds Tab), so the keyboard
 * moves through the page as everywhere else; Escape then Tab also leaves the editor.
 */
export function CodeEditor({ label, initial, onChange, language, lint }: EditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>();
  const change = useRef(onChange);
  change.current = onChange;

  useEffect(() => {
    const extensions: Extension[] = [
      setup,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) change.current(update.state.doc.toString());
      }),
    ];
    if (language === 'yaml') extensions.push(yaml());
    if (lint)
      extensions.push(
        lintGutter(),
        linter((v) => lint(v.state.doc.toString()), { delay: 400 }),
      );
    view.current = new EditorView({ parent: host.current!, state: EditorState.create({ doc: initial, extensions }) });
    return () => view.current?.destroy();
  }, []);

  return <div class="code-editor" ref={host} />;
}

/** A read-only unified diff: `original` (what runs or is saved) against `changed` (the edit). */
export function DiffView({ label, original, changed }: { label: string; original: string; changed: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: changed,
        extensions: [
          setup,
          EditorView.lineWrapping,
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          unifiedMergeView({ original, mergeControls: false, highlightChanges: true, gutter: true }),
        ],
      }),
    });
    return () => view.destroy();
  }, [original, changed]);
  return <div class="code-editor diff" ref={host} />;
}

/** The character offset where line `line` (1-based) starts in `text`. */
export function lineStart(text: string, line: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return at;
}
