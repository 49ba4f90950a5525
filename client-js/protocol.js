// Generated from protocol/protocol.json by scripts/gen-protocol.mjs. Do not edit.
export const PROTOCOL = "forumd.v1";
export const LIMITS = Object.freeze({
  "max_frame_bytes": 131072,
  "max_depth": 32,
  "max_id_chars": 64,
  "max_op_chars": 48,
  "max_token_bytes": 8192,
  "max_room_chars": 64,
  "max_resume_rooms": 64,
  "auth_deadline_ms": 10000,
  "rate_burst": 60,
  "rate_per_sec": 30,
  "flood_refusals": 200,
  "flood_window_ms": 10000,
  "bad_requests_max": 50,
  "outq_max_bytes": 4194304,
  "max_out_frame_bytes": 65536,
  "min_secret_bytes": 32,
  "max_name_chars": 80,
  "max_user_id_chars": 64,
  "max_courses_per_token": 100,
  "max_key_chars": 64,
  "min_key_chars": 16,
  "max_title_chars": 200,
  "max_body_chars": 20000,
  "thread_page_max": 100,
  "thread_page_default": 30,
  "snapshot_posts_max": 2000,
  "replay_max": 1000,
  "replay_chunk": 200,
  "max_subscriptions": 64,
  "state_interval_ms": 250,
  "max_reason_chars": 500,
  "max_mute_minutes": 525600,
  "audit_page_max": 100,
  "max_sockets_per_user": 20,
  "max_question_chars": 300,
  "max_answer_chars": 1000,
  "max_session_title_chars": 200,
  "state_msgs_per_key_per_sec": 4,
  "max_poll_prompt_chars": 300,
  "max_poll_options": 20,
  "max_option_chars": 120,
  "max_poll_text_chars": 200,
  "max_word_chars": 40,
  "max_cloud_entries": 10,
  "max_result_items": 100,
  "max_survey_title_chars": 200,
  "max_blocked_words": 1000,
  "close_deadline_ms": 10000,
  "snapshot_max_bytes": 1048576,
  "snapshot_questions_max": 2000,
  "resume_votes_max": 20000,
  "exports_in_flight": 2,
  "exports_per_minute": 10,
  "max_query_chars": 200,
  "search_page_max": 50,
  "search_page_default": 20,
  "search_terms_max": 8,
  "searches_per_minute": 30,
  "max_drafts_per_user": 50,
  "notification_page_max": 50,
  "notification_page_default": 20,
  "notification_read_ids_max": 100,
  "mentions_per_post_max": 10,
  "members_page_max": 10
});
export const ERRORS = Object.freeze({
  "bad_json": {
    "badInput": true
  },
  "bad_request": {
    "badInput": true
  },
  "unknown_op": {
    "badInput": true
  },
  "bad_field": {
    "badInput": true
  },
  "too_long": {
    "badInput": true
  },
  "too_deep": {
    "badInput": true
  },
  "nul_in_text": {
    "badInput": true
  },
  "bad_utf8": {
    "badInput": true
  },
  "not_authenticated": {
    "badInput": true
  },
  "already_authenticated": {
    "badInput": true
  },
  "bad_token": {
    "badInput": false
  },
  "token_expired": {
    "badInput": false
  },
  "token_not_yet_valid": {
    "badInput": false
  },
  "wrong_user": {
    "badInput": false
  },
  "rate_limited": {
    "badInput": false
  },
  "forbidden": {
    "badInput": false
  },
  "shutting_down": {
    "badInput": false
  },
  "internal": {
    "badInput": false
  },
  "not_found": {
    "badInput": false
  },
  "course_not_open": {
    "badInput": false
  },
  "course_read_only": {
    "badInput": false
  },
  "course_closed": {
    "badInput": false
  },
  "thread_locked": {
    "badInput": false
  },
  "muted": {
    "badInput": false
  },
  "too_many_subscriptions": {
    "badInput": false
  },
  "bad_cursor": {
    "badInput": true
  },
  "too_many_sockets": {
    "badInput": false
  },
  "already_voted": {
    "badInput": false
  },
  "session_not_live": {
    "badInput": false
  },
  "question_closed": {
    "badInput": false
  },
  "poll_closed": {
    "badInput": false
  },
  "bad_answer": {
    "badInput": false
  },
  "entry_limit": {
    "badInput": false
  },
  "word_refused": {
    "badInput": false
  }
});
export const CLOSE = Object.freeze({
  "going_away": 1001,
  "unsupported_data": 1003,
  "invalid_utf8": 1007,
  "message_too_big": 1009,
  "auth_timeout": 4001,
  "bad_input_flood": 4002,
  "slow_consumer": 4003,
  "token_expired": 4004,
  "flood": 4005,
  "too_many_sockets": 4006
});
export const ROLES = Object.freeze(["participant","facilitator","instructor"]);
export const EVENTS = Object.freeze(["thread.created","thread.updated","post.created","post.edited","post.deleted","post.hidden","post.restored","post.endorsed","thread.updated","flag.created","flag.resolved","audit.created","notice","session.created","session.updated","question.published","question.updated","question.pending","poll.created","poll.updated","survey.created","survey.updated","subscription.ended","post.accepted","notification"]);
export const STATES = Object.freeze(["post.votes","thread.stats","question.votes","session.answering","poll.results"]);
export const OPS = Object.freeze({
  "hello": {
    "auth": "none",
    "roles": "any",
    "writes": true
  },
  "auth.refresh": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "ping": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "subscribe": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "unsubscribe": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "course.list": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "thread.list": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "thread.create": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "post.create": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "post.edit": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "post.delete": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "post.vote": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "thread.follow": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "stats": {
    "auth": "user",
    "roles": "admin",
    "writes": false
  },
  "post.flag": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "flag.list": {
    "auth": "user",
    "roles": "staff",
    "writes": false
  },
  "flag.dismiss": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "post.hide": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "post.restore": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "post.remove": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "post.endorse": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "thread.lock": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "thread.pin": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "user.mute": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "user.unmute": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "audit.list": {
    "auth": "user",
    "roles": "staff",
    "writes": false
  },
  "post.history": {
    "auth": "user",
    "roles": "staff",
    "writes": false
  },
  "session.create": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "session.start": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "session.end": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "session.list": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "question.ask": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "question.edit": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "question.withdraw": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "question.vote": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "question.approve": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "question.dismiss": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "question.answering": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "question.answer": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "session.bridge": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "survey.create": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "survey.open": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "survey.close": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.create": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.open": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.close": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.reveal": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.reset": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.duplicate": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "poll.answer": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "cloud.remove": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "cloud.merge": {
    "auth": "user",
    "roles": "staff",
    "writes": true
  },
  "thread.edit": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "search": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "post.accept": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "draft.save": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "draft.get": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "draft.delete": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "thread.history": {
    "auth": "user",
    "roles": "staff",
    "writes": false
  },
  "notification.list": {
    "auth": "user",
    "roles": "any",
    "writes": false
  },
  "notification.read": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "notification.read_all": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "notification.settings": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "thread.mute": {
    "auth": "user",
    "roles": "any",
    "writes": true
  },
  "course.members": {
    "auth": "user",
    "roles": "any",
    "writes": false
  }
});
export const ROOM_KINDS = Object.freeze(["course","thread","session","staff","user","results"]);
export const EVENT_ROOMS = Object.freeze({
  "thread.created": [
    "course"
  ],
  "thread.updated": [
    "course",
    "thread"
  ],
  "post.created": [
    "thread"
  ],
  "post.edited": [
    "thread"
  ],
  "post.deleted": [
    "thread"
  ],
  "post.hidden": [
    "thread"
  ],
  "post.restored": [
    "thread"
  ],
  "post.endorsed": [
    "thread"
  ],
  "flag.created": [
    "staff"
  ],
  "flag.resolved": [
    "staff"
  ],
  "audit.created": [
    "staff"
  ],
  "notice": [
    "user"
  ],
  "session.created": [
    "course"
  ],
  "session.updated": [
    "course",
    "session"
  ],
  "question.published": [
    "session"
  ],
  "question.updated": [
    "session",
    "staff"
  ],
  "question.pending": [
    "staff"
  ],
  "poll.created": [
    "staff"
  ],
  "poll.updated": [
    "staff",
    "session"
  ],
  "survey.created": [
    "staff"
  ],
  "survey.updated": [
    "session"
  ],
  "subscription.ended": [],
  "post.accepted": [
    "thread"
  ],
  "notification": [
    "user"
  ]
});
