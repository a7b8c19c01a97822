import type { Activity } from './activity.js';
import { formatTemplateRef, parseTemplateRef, type TemplateRef } from './template-ref.js';

/**
 * The user's bucket 0–99 for this activity: FNV-1a of `activity:user`. Sticky (the same user always
 * lands in the same bucket) and independent between activities, so one user is not the canary of
 * every play at once.
 */
export function rolloutBucket(activityId: string, userId: string): number {
  let hash = 0x811c9dc5;
  const text = `${activityId}:${userId}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/** The templates the activity runs today: its own and, during a rollout, the rollout's. */
export function offeredTemplates(activity: Activity): TemplateRef[] {
  return activity.rollout && activity.rollout.percent > 0 ? [activity.template, activity.rollout.template] : [activity.template];
}

/**
 * Which template runs this user's instance. An instance stays on the version that created it
 * (`pinned`, the version stamped on its prepared data) for as long as the activity still offers
 * that version; otherwise the user's rollout bucket decides.
 */
export function templateForInstance(activity: Activity, userId: string, pinned?: string): TemplateRef {
  const offered = offeredTemplates(activity);
  const pinnedRef = pinned === undefined ? undefined : parseTemplateRef(pinned);
  if (pinnedRef && offered.some((ref) => formatTemplateRef(ref) === pinned)) return pinnedRef;
  const { rollout } = activity;
  if (rollout && rolloutBucket(activity.id, userId) < rollout.percent) return rollout.template;
  return activity.template;
}
