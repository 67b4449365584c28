// Colour for people, as no-color.org and the usual flags have it: `--color=never` (or
// `--no-color`) and a non-empty NO_COLOR turn it off; `--color=always` and FORCE_COLOR turn it on
// anywhere; by default it is used on a terminal only. This decides, as soon as the options are
// read; chalk paints (painter.ts), loaded only by what prints in colour.

import tty from 'node:tty';

export type ColourWhen = 'auto' | 'always' | 'never';

let chosen: 0 | 1 | 2 | 3 = 0;

/** How many colours the terminal takes, by what it says of itself. */
function terminalLevel(env: NodeJS.ProcessEnv): 1 | 2 | 3 {
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  return /-256(color)?$/.test(env.TERM ?? '') ? 2 : 1;
}

/** The colour level for `when`, the environment and whether stdout is a terminal (0: none). */
export function colourLevel(when: ColourWhen, env: NodeJS.ProcessEnv, isTerminal: boolean): 0 | 1 | 2 | 3 {
  if (when === 'never') return 0;
  if (when === 'always') return terminalLevel(env);
  if (env.NO_COLOR) return 0;
  const forced = env.FORCE_COLOR;
  if (forced !== undefined) return forced === '0' || forced === 'false' ? 0 : terminalLevel(env);
  return isTerminal && env.TERM !== 'dumb' ? terminalLevel(env) : 0;
}

export function chooseColour(when: ColourWhen): void {
  // isatty, not process.stdout.isTTY: making process.stdout makes a pipe there non-blocking, and
  // the program Runner execs would inherit that (docs/callers-state.md).
  chosen = colourLevel(when, process.env, tty.isatty(1));
}

export function chosenColourLevel(): 0 | 1 | 2 | 3 {
  return chosen;
}
