//! `/api/plans/{planId}/columns…` and `/api/columns/{columnId}` (contract §6.1).

use actix_web::web::{Json, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Change, ColumnId, PlanId, Reader};
use super::openapi::{
    Archived, Authenticated, BadRequest, Changed, Created, Deleted, NotFound, TooLarge,
};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Column, Role};
use crate::service::columns::{self, ColumnOrder, ColumnPatch, NewColumn};

#[utoipa::path(
    get,
    path = "/api/plans/{planId}/columns",
    operation_id = "listColumns",
    params(PlanId),
    responses(
        (status = 200, description = "The plan's columns in board order.", body = Vec<Column>),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn list(reader: Reader, plan: PlanId) -> Result<Json<Vec<Column>>, ApiError> {
    reader
        .read(move |c, uid| columns::list(c, uid, &plan))
        .await
        .map(Json)
}

#[utoipa::path(
    post,
    path = "/api/plans/{planId}/columns",
    operation_id = "createColumn",
    params(PlanId, Change),
    request_body = NewColumn,
    responses(Created<Column>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn create(
    change: Change,
    plan: PlanId,
    body: JsonBody<NewColumn>,
) -> MutationResult<Column> {
    change
        .on_plan(plan, Role::Editor, move |c, actor, plan| {
            columns::create(c, actor, plan, body.0)
        })
        .await
        .map(Mutated::created)
}

#[utoipa::path(
    patch,
    path = "/api/columns/{columnId}",
    operation_id = "updateColumn",
    params(ColumnId, Change),
    request_body = ColumnPatch,
    responses(Changed<Column>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn update(
    change: Change,
    column: ColumnId,
    body: JsonBody<ColumnPatch>,
) -> MutationResult<Column> {
    change
        .on(column, Role::Editor, move |c, actor, column| {
            columns::update(c, actor, column, body.0)
        })
        .await
        .map(Mutated::ok)
}

/// `?moveTo=<columnId>`: where the column's tasks go.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// The column that takes the deleted column's tasks (required when it has any).
    #[serde(default)]
    pub move_to: Option<String>,
}

#[utoipa::path(
    delete,
    path = "/api/columns/{columnId}",
    operation_id = "deleteColumn",
    params(ColumnId, DeleteQuery, Change),
    responses(Deleted, Authenticated, BadRequest, NotFound, Archived)
)]
pub async fn delete(
    change: Change,
    column: ColumnId,
    query: Query<DeleteQuery>,
) -> MutationResult<()> {
    let move_to = query.into_inner().move_to;
    change
        .on(column, Role::Editor, move |c, actor, column| {
            columns::delete(c, actor, column, move_to)
        })
        .await
        .map(Mutated::no_content)
}

#[utoipa::path(
    post,
    path = "/api/plans/{planId}/columns/reorder",
    operation_id = "reorderColumns",
    params(PlanId, Change),
    request_body = ColumnOrder,
    responses(Changed<ColumnOrder>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn reorder(
    change: Change,
    plan: PlanId,
    body: JsonBody<ColumnOrder>,
) -> MutationResult<ColumnOrder> {
    change
        .on_plan(plan, Role::Editor, move |c, actor, plan| {
            columns::reorder(c, actor, plan, body.0)
        })
        .await
        .map(Mutated::ok)
}
