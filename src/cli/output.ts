// Runner's own messages. Written with writeSync so that Node never turns the shared stdio file
// descriptions non-blocking before we exec the program that inherits them.
import fs from 'node:fs';

let quiet = false;

export function setQuiet(value: boolean): void {
  quiet = value;
}

export function out(text: string): void {
  fs.writeSync(1, text.endsWith('\n') ? text : `${text}\n`);
}

export function error(message: string): void {
  fs.writeSync(2, `Runner: ${message}\n`);
}

export function warn(message: string): void {
  if (!quiet) fs.writeSync(2, `Runner: warning: ${message}\n`);
}

export function info(message: string): void {
  fs.writeSync(2, `Runner: ${message}\n`);
}
