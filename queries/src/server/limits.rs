//! The per-query time limit: a result stream that ends with an error at its deadline.
//!
//! DataFusion runs a query while its result stream is polled, and stops (aborting the
//! tasks it spawned) when the stream is dropped. [`Deadline`] wraps that stream: once the
//! deadline passes it drops the query and yields one error, so a query that runs too long
//! is cancelled whether it is still planning its first batch or streaming rows to a slow
//! client. A cancel request from the client ends it the same way ([`super::cancel`]). The
//! memory limit is the session's pool (see [`super::session`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use futures::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

/// The limits every query of a session runs under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of memory one query may hold (its session's pool); beyond that it spills or fails.
    pub memory: usize,
    /// Wall-clock time one query may take, from parsing to its last row.
    pub timeout: Duration,
}

/// The message of a query stopped at its time limit.
pub(crate) fn timeout_message(timeout: Duration) -> String {
    format!(
        "canceling statement: it ran longer than the server's query timeout ({}); narrow it \
         (a date range on `date`, fewer rooms) or ask the operator for a longer --query-timeout-secs",
        humanize(timeout)
    )
}

fn humanize(timeout: Duration) -> String {
    if timeout.as_millis().is_multiple_of(1000) {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{} ms", timeout.as_millis())
    }
}

/// A record-batch stream that ends with a timeout error at `deadline`, or with a
/// cancellation error when its client asks.
pub(crate) struct Deadline<S> {
    inner: Option<S>,
    sleep: Pin<Box<Sleep>>,
    timeout: Duration,
    cancel: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<S> Deadline<S> {
    /// Wraps `inner`; it is dropped (and the query cancelled) at `deadline`.
    pub(crate) fn new(inner: S, deadline: Instant, timeout: Duration) -> Self {
        Deadline {
            inner: Some(inner),
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            timeout,
            cancel: None,
        }
    }

    /// Also ends the stream when `cancelled` completes (the client's cancel request).
    pub(crate) fn with_cancel(
        mut self,
        cancelled: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.cancel = Some(Box::pin(cancelled));
        self
    }
}

impl<S> Stream for Deadline<S>
where
    S: Stream<Item = Result<RecordBatch, DataFusionError>> + Unpin,
{
    type Item = Result<RecordBatch, DataFusionError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.inner.is_none() {
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.inner = None;
            let message = timeout_message(self.timeout);
            return Poll::Ready(Some(Err(DataFusionError::ResourcesExhausted(message))));
        }
        if let Some(cancel) = self.cancel.as_mut()
            && cancel.as_mut().poll(cx).is_ready()
        {
            self.inner = None;
            let message = super::cancel::CANCELED_BY_USER.to_owned();
            return Poll::Ready(Some(Err(DataFusionError::ResourcesExhausted(message))));
        }
        match self.inner.as_mut() {
            Some(inner) => inner.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::stream;

    use super::*;

    #[tokio::test]
    async fn a_stream_that_never_ends_is_cut_at_its_deadline() {
        let timeout = Duration::from_millis(50);
        let never = stream::pending::<Result<RecordBatch, DataFusionError>>();
        let mut limited = Deadline::new(never, Instant::now() + timeout, timeout);
        let first = limited.next().await.expect("an error item");
        let err = first.expect_err("the deadline error");
        assert!(err.to_string().contains("query timeout (50 ms)"), "{err}");
        assert!(
            limited.next().await.is_none(),
            "the stream ends after the error"
        );
    }

    #[tokio::test]
    async fn a_cancel_ends_the_stream_with_the_user_s_message() {
        let timeout = Duration::from_secs(60);
        let never = stream::pending::<Result<RecordBatch, DataFusionError>>();
        let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
        let mut limited =
            Deadline::new(never, Instant::now() + timeout, timeout).with_cancel(async move {
                let _ = cancelled.await;
            });
        cancel.send(()).expect("the stream listens");
        let err = limited
            .next()
            .await
            .expect("an error item")
            .expect_err("the cancel error");
        assert!(
            err.to_string()
                .contains("canceling statement due to user request"),
            "{err}"
        );
        assert!(limited.next().await.is_none());
    }

    #[tokio::test]
    async fn a_stream_that_ends_in_time_is_untouched() {
        let timeout = Duration::from_secs(3);
        let empty = stream::iter(Vec::<Result<RecordBatch, DataFusionError>>::new());
        let mut limited = Deadline::new(empty, Instant::now() + timeout, timeout);
        assert!(limited.next().await.is_none());
    }
}
