// Shell completion: `Runner --completion bash|zsh|fish` prints a script made from the options
// table (options.ts), as `npm completion` and `kubectl completion` do. Values with a closed set
// are in the script; program names, `Name/Version` and view names come from
// `Runner --complete programs|versions|views` at the moment of completing, with the --root given.
import { ExitCode } from '../base/errors.js';
import { outText } from '../base/output.js';
import { goboPaths } from '../resolver/paths.js';
import { World } from '../resolver/programs.js';
import { OPTIONS, VALUES, type Options } from './options.js';

/** Where each option's value comes from: a closed list, a --complete kind, files or directories. */
type Source = { words: readonly string[] } | { kind: 'programs' | 'versions' | 'views' } | 'files' | 'dirs';

const ARCHITECTURES = ['x86_64', 'i686', 'i386', 'noarch'];
const SIGNALS = ['TERM', 'KILL', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2', 'STOP', 'CONT'];

const SOURCES: Record<string, Source> = {
  root: 'dirs',
  aliens: 'dirs',
  arch: { words: ARCHITECTURES },
  dependencies: 'files',
  with: { kind: 'versions' },
  resolve: { kind: 'versions' },
  why: { kind: 'versions' },
  desktop: { kind: 'versions' },
  name: { kind: 'views' },
  enter: { kind: 'views' },
  kill: { kind: 'views' },
  rename: { kind: 'views' },
  signal: { words: SIGNALS },
  color: { words: VALUES.color },
  completion: { words: VALUES.completion },
};

/** The options people type (--complete is the scripts' own). */
const visible = () => Object.entries(OPTIONS).filter(([key]) => key !== 'complete');
const takesValue = (key: string) => OPTIONS[key].type === 'string' || OPTIONS[key].type === 'strings';
/** The words an option is typed as: `--name`, and `-a` where it has one. */
const spellings = (key: string) => [`--${key}`, ...(OPTIONS[key].alias ? [`-${OPTIONS[key].alias}`] : [])];

function bashScript(): string {
  const words = visible()
    .flatMap(([key]) => spellings(key))
    .join(' ');
  const cases = Object.entries(SOURCES).map(([key, source]) => {
    const pattern = spellings(key).join('|');
    const reply =
      source === 'files'
        ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))'
        : source === 'dirs'
          ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))'
          : 'words' in source
            ? `COMPREPLY=($(compgen -W "${source.words.join(' ')}" -- "$cur"))`
            : `COMPREPLY=($(compgen -W "$("$runner" "\${root[@]}" --complete ${source.kind} 2>/dev/null)" -- "$cur"))`;
    return `    ${pattern}) ${reply}; return ;;`;
  });
  return `# Runner completion for bash. In ~/.bashrc: source <(Runner --completion bash)
_Runner() {
  local runner=\${COMP_WORDS[0]} cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local root=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --root) root=(--root "\${COMP_WORDS[i+1]}") ;;
      --root=*) root=(--root "\${COMP_WORDS[i]#--root=}") ;;
    esac
  done
  case $prev in
${cases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${words}" -- "$cur"))
  else
    COMPREPLY=($(compgen -c -- "$cur"))
  fi
}
complete -o default -F _Runner Runner
`;
}

/** Text inside zsh's _arguments brackets and descriptions: [ ] : and quotes escaped. */
const zshText = (text: string) => text.replace(/([[\]:\\])/g, '\\$1').replace(/'/g, "'\\''");

function zshScript(): string {
  const specs = visible().map(([key, spec]) => {
    const source = SOURCES[key];
    const action =
      source === undefined
        ? ''
        : source === 'files'
          ? ':file:_files'
          : source === 'dirs'
            ? ':directory:_files -/'
            : 'words' in source
              ? `:value:(${source.words.join(' ')})`
              : `:${source.kind}:_Runner_${source.kind}`;
    const value = takesValue(key) || source !== undefined ? action || ':value:' : '';
    const repeat = spec.type === 'strings' || spec.type === 'count' ? '*' : '';
    const names = spellings(key);
    // Brace expansion gives one spec per spelling; it works only outside the quotes.
    const head = names.length > 1 ? `${repeat ? `'*'` : ''}{${names.join(',')}}'` : `'${repeat}${names[0]}`;
    return `    ${head}[${zshText(spec.describe)}]${value}'`;
  });
  const kinds = ['programs', 'versions', 'views'].map(
    (kind) => `_Runner_${kind}() {
  local -a found root
  (( \${words[(I)--root]} )) && root=(--root "\${words[\${words[(I)--root]}+1]}")
  found=(\${(f)"$(\${words[1]} $root --complete ${kind} 2>/dev/null)"})
  compadd -a found
}`,
  );
  return `#compdef Runner
# Runner completion for zsh. In ~/.zshrc, after compinit: source <(Runner --completion zsh)
${kinds.join('\n')}
_Runner() {
  _arguments -s -S \\
${specs.join(' \\\n')} \\
    '*::command:_normal'
}
compdef _Runner Runner
`;
}

const fishText = (text: string) => text.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

function fishScript(): string {
  const lines = visible().map(([key, spec]) => {
    const source = SOURCES[key];
    const short = spec.alias ? ` -s ${spec.alias}` : '';
    const value =
      source === undefined
        ? takesValue(key)
          ? ' -r'
          : ''
        : source === 'files'
          ? ' -r -F'
          : source === 'dirs'
            ? " -r -f -a '(__fish_complete_directories)'"
            : 'words' in source
              ? ` -x -a '${source.words.join(' ')}'`
              : ` -x -a '(__Runner_complete ${source.kind})'`;
    return `complete -c Runner -l ${key}${short}${value} -d '${fishText(spec.describe)}'`;
  });
  return `# Runner completion for fish. In ~/.config/fish/config.fish: Runner --completion fish | source
function __Runner_complete
    set -l tokens (commandline -opc)
    set -l root
    if set -l at (contains -i -- --root $tokens)
        set root --root $tokens[(math $at + 1)]
    end
    $tokens[1] $root --complete $argv[1] 2>/dev/null
end
${lines.join('\n')}
`;
}

export function completionScript(shell: string): string {
  if (shell === 'bash') return bashScript();
  if (shell === 'zsh') return zshScript();
  return fishScript();
}

/** Names a shell can take as one word: no blanks or control characters (a hostile tree has them). */
const plainWord = (name: string) => !/[\s\x00-\x1f\x7f]/.test(name);

/** `Runner --complete KIND`: one candidate a line, for the completion scripts. */
export async function completeAction(options: Options): Promise<number> {
  const kind = options.complete as string;
  if (kind === 'views') {
    const { visibleViews } = await import('./views-actions.js');
    for (const view of visibleViews()) if (plainWord(view.fullName)) outText(view.fullName);
    return ExitCode.ok;
  }
  // The tree as a launch reads it: program directories and their version directories.
  const world = new World(goboPaths(options.root));
  for (const name of world.allProgramNames().filter(plainWord)) {
    const versions = world.program(name)?.versions;
    if (versions === undefined) continue;
    outText(name);
    if (kind === 'versions') for (const version of versions.filter(plainWord)) outText(`${name}/${version}`);
  }
  return ExitCode.ok;
}
