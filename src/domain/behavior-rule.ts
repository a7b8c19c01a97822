/**
 * A behavior rule: `count` behaviors of `type` by one user within `withinMs` fire the rule, and its
 * `key` is published on the broker as the channel code of a behavior event.
 */
export interface BehaviorRule {
  readonly key: string;
  readonly type: string;
  readonly count: number;
  readonly withinMs: number;
}
