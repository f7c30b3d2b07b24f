import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { KeyDialog } from './key-dialog';
import { Agents } from './screens/agents';
import { Config } from './screens/config';
import { Keys } from './screens/keys';
import { Playground } from './screens/playground';
import { Prompts } from './screens/prompts';
import { Usage } from './screens/usage';
import './styles.css';

interface Screen {
  path: string;
  title: string;
  view: () => preact.JSX.Element;
}

const SCREENS: Screen[] = [
  { path: 'playground', title: 'Playground', view: Playground },
  { path: 'agents', title: 'Agents', view: Agents },
  { path: 'keys', title: 'Keys & providers', view: Keys },
  { path: 'config', title: 'Config', view: Config },
  { path: 'prompts', title: 'Prompts', view: Prompts },
  { path: 'usage', title: 'Usage', view: Usage },
];

function currentPath(): string {
  return location.hash.replace(/^#\/?/, '').split('?')[0] || SCREENS[0].path;
}

function App() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const follow = () => setPath(currentPath());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const screen = SCREENS.find((s) => s.path === path) ?? SCREENS[0];
  useEffect(() => {
    document.title = `${screen.title} · Switchboard`;
  }, [screen]);
  const View = screen.view;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Switchboard</span>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.path}>
                <a href={`#/${s.path}`} aria-current={s === screen ? 'page' : undefined}>
                  {s.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <KeyDialog />
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{screen.title}</h1>
        <View />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
