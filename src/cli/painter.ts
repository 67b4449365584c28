// The chalk of what prints in colour, at the level colour.ts chose (chalk is loaded only here).
import { Chalk, type ChalkInstance } from 'chalk';
import { chosenColourLevel } from './colour.js';

export function painter(): ChalkInstance {
  return new Chalk({ level: chosenColourLevel() });
}
