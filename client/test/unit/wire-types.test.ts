import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  NOTICE_TYPES,
  PERSONAL_NOTICE_TYPES,
  PLAN_EVENT_TYPES,
  REPLY_TYPES,
  type NoticeType,
  type PersonalNoticeType,
  type PlanEvent,
  type PlanEventType,
  type ReplyType,
} from '../../src/index.js';

/** Written by the server's test `wire::tests` from its enums (src/wire, src/realtime/protocol.rs). */
const server = JSON.parse(readFileSync(new URL('../../src/wire-types.json', import.meta.url), 'utf8')) as {
  planEvents: string[];
  notices: string[];
  personalNotices: string[];
  replies: string[];
};

describe("the SDK's frame types", () => {
  it("are the server's, in its order (client/src/wire-types.json)", () => {
    expect(PLAN_EVENT_TYPES).toEqual(server.planEvents);
    expect(NOTICE_TYPES).toEqual(server.notices);
    expect(PERSONAL_NOTICE_TYPES).toEqual(server.personalNotices);
    expect(REPLY_TYPES).toEqual(server.replies);
  });

  it('are the unions the frames are typed with', () => {
    expectTypeOf(PLAN_EVENT_TYPES).toEqualTypeOf<readonly PlanEventType[]>();
    expectTypeOf<PlanEvent['type']>().toEqualTypeOf<PlanEventType>();
    expectTypeOf(NOTICE_TYPES).toEqualTypeOf<readonly NoticeType[]>();
    expectTypeOf(PERSONAL_NOTICE_TYPES).toEqualTypeOf<readonly PersonalNoticeType[]>();
    expectTypeOf(REPLY_TYPES).toEqualTypeOf<readonly ReplyType[]>();
  });
});
