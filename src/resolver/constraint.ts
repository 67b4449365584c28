// One `OP VERSION` part of a Dependencies line, and whether a version satisfies a list of them.
import { compareVersionValues } from './version.js';

export const OPERATORS = ['>=', '<=', '==', '!=', '>', '<', '='] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Constraint {
  op: Operator;
  version: string;
}

export function satisfiesOne(version: string, { op, version: wanted }: Constraint): boolean {
  return orderSatisfies(op, compareVersionValues(version, wanted));
}

/** Whether a version that compares as `order` (-1, 0, 1) with the constraint's version meets `op`. */
export function orderSatisfies(op: Operator, order: number): boolean {
  switch (op) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '=':
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
  }
}

/** All parts of one alternative are intersected (the C original wrongly rejects `>= 1.0, >= 0.5`). */
export function satisfiesAll(version: string, constraints: readonly Constraint[]): boolean {
  // A loop, not every(): the solver asks this for each installed version of each line it meets.
  for (const c of constraints) if (!satisfiesOne(version, c)) return false;
  return true;
}

export function formatConstraints(constraints: readonly Constraint[]): string {
  return constraints.map((c) => `${c.op} ${c.version}`).join(', ');
}
