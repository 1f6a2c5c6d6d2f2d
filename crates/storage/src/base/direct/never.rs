//! What sqlx's `Database` trait asks of a driver besides its connection: the database kind
//! ([`Direct`]) and types this driver never hands out (its rows are `AnyRow`s, its statements
//! prepared by SQLite), which are [`Never`], a type without values.

use super::{DirectConnection, DirectTransactions, SCHEME};
use sqlx_core::Either;
use sqlx_core::any::{AnyQueryResult, AnyTypeInfo};
use sqlx_core::error::{BoxDynError, Error};
use sqlx_core::sql_str::SqlStr;
use std::borrow::Cow;
use std::marker::PhantomData;

/// The database kind of this driver (for sqlx's traits).
#[derive(Debug)]
pub struct Direct;

/// A type without values: what sqlx's traits ask for and this driver never makes.
#[derive(Debug, Clone)]
pub enum Never {}

/// A reference to a [`Never`].
pub struct NeverRef<'r>(Never, PhantomData<&'r ()>);

/// Arguments are bound by sqlx's `Any` layer, never through this type.
#[derive(Default)]
pub struct NoArguments;

impl sqlx_core::database::Database for Direct {
    type Connection = DirectConnection;
    type TransactionManager = DirectTransactions;
    type Row = Never;
    type QueryResult = AnyQueryResult;
    type Column = Never;
    type TypeInfo = AnyTypeInfo;
    type Value = Never;
    type ValueRef<'r> = NeverRef<'r>;
    type Arguments = NoArguments;
    type ArgumentBuffer = ();
    type Statement = Never;
    const NAME: &'static str = "SQLite";
    const URL_SCHEMES: &'static [&'static str] = &[SCHEME];
}

impl sqlx_core::row::Row for Never {
    type Database = Direct;
    fn columns(&self) -> &[Never] {
        match *self {}
    }
    fn try_get_raw<I>(&self, _: I) -> Result<NeverRef<'_>, Error>
    where
        I: sqlx_core::column::ColumnIndex<Self>,
    {
        match *self {}
    }
}

impl sqlx_core::column::Column for Never {
    type Database = Direct;
    fn ordinal(&self) -> usize {
        match *self {}
    }
    fn name(&self) -> &str {
        match *self {}
    }
    fn type_info(&self) -> &AnyTypeInfo {
        match *self {}
    }
}

impl sqlx_core::value::Value for Never {
    type Database = Direct;
    fn as_ref(&self) -> NeverRef<'_> {
        match *self {}
    }
    fn type_info(&self) -> Cow<'_, AnyTypeInfo> {
        match *self {}
    }
    fn is_null(&self) -> bool {
        match *self {}
    }
}

impl<'r> sqlx_core::value::ValueRef<'r> for NeverRef<'r> {
    type Database = Direct;
    fn to_owned(&self) -> Never {
        match self.0 {}
    }
    fn type_info(&self) -> Cow<'_, AnyTypeInfo> {
        match self.0 {}
    }
    fn is_null(&self) -> bool {
        match self.0 {}
    }
}

impl sqlx_core::arguments::Arguments for NoArguments {
    type Database = Direct;
    fn reserve(&mut self, _: usize, _: usize) {}
    fn add<'t, T>(&mut self, _: T) -> Result<(), BoxDynError>
    where
        T: sqlx_core::encode::Encode<'t, Direct> + sqlx_core::types::Type<Direct>,
    {
        Err("arguments are bound through sqlx's Any layer".into())
    }
    fn len(&self) -> usize {
        0
    }
}

impl sqlx_core::statement::Statement for Never {
    type Database = Direct;
    fn into_sql(self) -> SqlStr {
        match self {}
    }
    fn sql(&self) -> &SqlStr {
        match *self {}
    }
    fn parameters(&self) -> Option<Either<&[AnyTypeInfo], usize>> {
        match *self {}
    }
    fn columns(&self) -> &[Never] {
        match *self {}
    }
    fn query(&self) -> sqlx_core::query::Query<'_, Direct, NoArguments> {
        match *self {}
    }
    fn query_with<A>(&self, _: A) -> sqlx_core::query::Query<'_, Direct, A>
    where
        A: sqlx_core::arguments::IntoArguments<Direct>,
    {
        match *self {}
    }
    fn query_as<O>(&self) -> sqlx_core::query_as::QueryAs<'_, Direct, O, NoArguments>
    where
        O: for<'r> sqlx_core::from_row::FromRow<'r, Never>,
    {
        match *self {}
    }
    fn query_as_with<'s, O, A>(&'s self, _: A) -> sqlx_core::query_as::QueryAs<'s, Direct, O, A>
    where
        O: for<'r> sqlx_core::from_row::FromRow<'r, Never>,
        A: sqlx_core::arguments::IntoArguments<Direct>,
    {
        match *self {}
    }
    fn query_scalar<O>(&self) -> sqlx_core::query_scalar::QueryScalar<'_, Direct, O, NoArguments>
    where
        (O,): for<'r> sqlx_core::from_row::FromRow<'r, Never>,
    {
        match *self {}
    }
    fn query_scalar_with<'s, O, A>(
        &'s self, _: A,
    ) -> sqlx_core::query_scalar::QueryScalar<'s, Direct, O, A>
    where
        (O,): for<'r> sqlx_core::from_row::FromRow<'r, Never>,
        A: sqlx_core::arguments::IntoArguments<Direct>,
    {
        match *self {}
    }
}
