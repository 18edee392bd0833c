//! What a handler takes from a request besides its body, each checked once:
//!
//! - [`PlanId`], [`TaskId`], [`UserId`], [`ColumnId`], [`CommentId`]: a path segment that obeys the id rule
//!   (`crate::validate::id`), or 400 naming the segment;
//! - [`Reader`]: the signed-in caller of a read, with the database to read from;
//! - [`Change`]: the signed-in caller of a mutation, with the connection its own events
//!   leave out (`X-Connection-Id`) and the one way to run the mutation
//!   ([`crate::service::commit`]).
//!
//! The caller is authenticated (and rate limited) by [`AuthUser`] before anything else.

use std::future::{ready, Future, Ready};
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::auth::AuthUser;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::model::{Role, UserRef};
use crate::realtime::messages::Exclusion;
use crate::service::{self, Access, Outcome, Resource};
use crate::state::AppState;
use crate::validate;

/// The name of a path segment that holds an id.
pub trait Segment {
    /// As written in the route (`/api/plans/{planId}`) and in error messages.
    const NAME: &'static str;
}

/// A path segment holding an id, checked against the id rule.
pub struct PathId<S> {
    value: String,
    segment: PhantomData<S>,
}

/// `{planId}`.
pub enum PlanSegment {}
/// `{taskId}`.
pub enum TaskSegment {}
/// `{userId}` (a member of a plan).
pub enum UserSegment {}
/// `{columnId}`.
pub enum ColumnSegment {}
/// `{commentId}`.
pub enum CommentSegment {}
/// `{sprintId}`.
pub enum SprintSegment {}

impl Segment for PlanSegment {
    const NAME: &'static str = "planId";
}
impl Segment for TaskSegment {
    const NAME: &'static str = "taskId";
}
impl Segment for UserSegment {
    const NAME: &'static str = "userId";
}
impl Segment for ColumnSegment {
    const NAME: &'static str = "columnId";
}
impl Segment for CommentSegment {
    const NAME: &'static str = "commentId";
}
impl Segment for SprintSegment {
    const NAME: &'static str = "sprintId";
}

/// A segment naming a resource that routes address by its own id ([`Change::on`]).
pub trait Addressed: Segment {
    const RESOURCE: Resource;
}
impl Addressed for TaskSegment {
    const RESOURCE: Resource = Resource::Task;
}
impl Addressed for ColumnSegment {
    const RESOURCE: Resource = Resource::Column;
}
impl Addressed for CommentSegment {
    const RESOURCE: Resource = Resource::Comment;
}
impl Addressed for SprintSegment {
    const RESOURCE: Resource = Resource::Sprint;
}

pub type PlanId = PathId<PlanSegment>;
pub type TaskId = PathId<TaskSegment>;
pub type UserId = PathId<UserSegment>;
pub type ColumnId = PathId<ColumnSegment>;
pub type CommentId = PathId<CommentSegment>;
pub type SprintId = PathId<SprintSegment>;

impl<S: Segment> PathId<S> {
    fn from_path(req: &HttpRequest) -> Result<Self, ApiError> {
        // Loaded as `web::Path` loads its struct, so percent-escapes are decoded the same way.
        let OneSegment(value, _) = req
            .match_info()
            .load::<OneSegment<S>>()
            .map_err(|e| ApiError::Internal(format!("path segment {}: {e}", S::NAME)))?;
        let value = value.ok_or_else(|| {
            ApiError::Internal(format!("the route has no {{{}}} segment", S::NAME))
        })?;
        validate::id(S::NAME, &value)?;
        Ok(PathId {
            value,
            segment: PhantomData,
        })
    }

    pub fn into_string(self) -> String {
        self.value
    }
}

/// The one segment named `S::NAME` of the matched path (the others are skipped).
struct OneSegment<S>(Option<String>, PhantomData<S>);

impl<'de, S: Segment> Deserialize<'de> for OneSegment<S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("PathId", &[S::NAME], OneSegmentVisitor(PhantomData))
    }
}

struct OneSegmentVisitor<S>(PhantomData<S>);

impl<'de, S: Segment> Visitor<'de> for OneSegmentVisitor<S> {
    type Value = OneSegment<S>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "the path segment {}", S::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(SegmentName(name)) = map.next_key()? {
            let value: String = map.next_value()?;
            if name == S::NAME {
                found = Some(value);
            }
        }
        Ok(OneSegment(found, PhantomData))
    }
}

/// A segment's name, which the router hands out only as an identifier.
struct SegmentName(String);

impl<'de> Deserialize<'de> for SegmentName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = SegmentName;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path segment's name")
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<SegmentName, E> {
                Ok(SegmentName(name.to_string()))
            }
        }
        deserializer.deserialize_identifier(NameVisitor)
    }
}

impl<S> Deref for PathId<S> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.value
    }
}

impl<S: Segment> FromRequest for PathId<S> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_path(req))
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("app state missing".into()))
}

/// The signed-in caller of a read.
pub struct Reader {
    state: web::Data<AppState>,
    user: AuthUser,
}

impl Reader {
    /// Runs `f(connection, caller's id)` on the blocking pool.
    pub async fn read<T, F>(self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &str) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let uid = self.user.id().to_string();
        self.state.db.read(move |c| f(c, &uid)).await
    }

    /// As [`Reader::read`], in one read-only transaction that sees a single point in time.
    pub async fn snapshot<T, F>(self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &str) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let uid = self.user.id().to_string();
        self.state.db.snapshot(move |c| f(c, &uid)).await
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            Ok(Reader {
                state: state?,
                user,
            })
        })
    }
}

/// The signed-in caller of a mutation.
pub struct Change {
    state: web::Data<AppState>,
    user: AuthUser,
    /// The caller's own connection, whose copy of the events is left out.
    exclude: Option<Exclusion>,
}

impl Change {
    /// The server's caps and settings (e.g. `caps.tasks_per_plan`).
    pub fn settings(&self) -> &Settings {
        &self.state.settings
    }

    /// A change any signed-in user may make.
    pub async fn by_anyone<T, F>(self, f: F) -> Result<Outcome<T>, ApiError>
    where
        F: FnOnce(&mut DbConnection, &UserRef) -> Result<Outcome<T>, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let access = Access::any_user(self.user.id());
        self.commit(access, f).await
    }

    /// A change to the plan that needs at least `min` on it; `f` gets the plan's id.
    pub async fn on_plan<T, F>(self, plan: PlanId, min: Role, f: F) -> Result<Outcome<T>, ApiError>
    where
        F: FnOnce(&mut DbConnection, &UserRef, &str) -> Result<Outcome<T>, ApiError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let access = Access::plan(self.user.id(), &plan, min);
        self.commit(access, move |c, actor| f(c, actor, &plan))
            .await
    }

    /// A change to a task, column, comment or sprint that needs at least `min` on its
    /// plan; `f` gets its id.
    pub async fn on<S, T, F>(self, id: PathId<S>, min: Role, f: F) -> Result<Outcome<T>, ApiError>
    where
        S: Addressed,
        F: FnOnce(&mut DbConnection, &UserRef, &str) -> Result<Outcome<T>, ApiError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let id = id.into_string();
        let access = Access::within(self.user.id(), S::RESOURCE, &id, min);
        self.commit(access, move |c, actor| f(c, actor, &id)).await
    }

    async fn commit<T, F>(self, access: Access, f: F) -> Result<Outcome<T>, ApiError>
    where
        F: FnOnce(&mut DbConnection, &UserRef) -> Result<Outcome<T>, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let actor = self.user.user().clone();
        service::commit(&self.state, self.exclude, access, move |c| f(c, &actor)).await
    }
}

impl FromRequest for Change {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let connection_id = connection_id(req);
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            let exclude = connection_id.map(|connection_id| Exclusion {
                connection_id,
                user_id: user.id().to_string(),
            });
            Ok(Change {
                state: state?,
                user,
                exclude,
            })
        })
    }
}

/// The header that names the caller's own connection.
pub const CONNECTION_ID: &str = "X-Connection-Id";

/// `X-Connection-Id` of the request: the connection whose copy of the events is left out
/// (the room checks that the connection is the caller's own). Ignored when empty or
/// longer than an id may be.
fn connection_id(req: &HttpRequest) -> Option<String> {
    let id = req.headers().get(CONNECTION_ID)?.to_str().ok()?.trim();
    if id.is_empty() || id.len() > validate::MAX_ID {
        return None;
    }
    Some(id.to_string())
}
