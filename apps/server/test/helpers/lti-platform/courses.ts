import type { PlatformState } from './state.js';
import type { AgsLineItem, EmulatorCourse, EmulatorResourceLink, EmulatorUser } from './types.js';

/** The course `id`, created empty on first use. */
export function courseOf(state: PlatformState, id: string): EmulatorCourse {
  let course = state.courses.get(id);
  if (!course) {
    course = {
      id,
      label: id.toUpperCase(),
      title: `Course ${id}`,
      members: [],
      resourceLinks: [],
      lineItems: [],
      scores: [],
    };
    state.courses.set(id, course);
  }
  return course;
}

/** URL of the course's NRPS membership container. */
export const membershipsUrl = (state: PlatformState, contextId: string) =>
  `${state.url}/nrps/${encodeURIComponent(contextId)}`;

/** URL of the course's AGS line item container. */
export const lineItemsUrl = (state: PlatformState, contextId: string) =>
  `${state.url}/ags/${encodeURIComponent(contextId)}/lineitems`;

/** A new line item in the course; its id is its URL. */
export function addLineItem(
  state: PlatformState,
  course: EmulatorCourse,
  fields: Omit<AgsLineItem, 'id'>,
): AgsLineItem {
  const item: AgsLineItem = {
    id: `${lineItemsUrl(state, course.id)}/${course.lineItems.length + 1}`,
    ...fields,
  };
  course.lineItems.push(item);
  return item;
}

/**
 * The resource link `id` of the course. A link clicked for the first time is created with a
 * line item of its own (100 points), as an LMS makes a gradebook column for a graded activity.
 */
export function ensureResourceLink(
  state: PlatformState,
  course: EmulatorCourse,
  id: string,
): EmulatorResourceLink {
  const existing = course.resourceLinks.find((l) => l.id === id);
  if (existing) return existing;
  const title = `Exam link ${id}`;
  const item = addLineItem(state, course, { label: title, scoreMaximum: 100, resourceLinkId: id });
  const link: EmulatorResourceLink = { id, title, custom: {}, lineItemId: item.id };
  course.resourceLinks.push(link);
  return link;
}

/** Enrol `user` in the course unless someone with that `sub` is there already. */
export function ensureMember(course: EmulatorCourse, user: EmulatorUser): void {
  if (!course.members.some((m) => m.sub === user.sub)) course.members.push(user);
}
