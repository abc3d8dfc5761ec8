//! The client's answers as the typed models of `bankfeeds.models`, and its paged lists as lazy
//! `Pages` iterators.
//!
//! A model crosses as its wire JSON, written by the core's own `Serialize` (amounts exact, every
//! date-time in the text it came in); `bankfeeds.models` reads that JSON into frozen dataclasses
//! with one table-driven converter. Date-time text is read by the core (`_read_timestamp`), so
//! Python applies the same rule as every other front end.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bankfeeds::client::{Error, Pager};
use bankfeeds::dates::Timestamp;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt as _, StreamExt as _};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::push::client_error;
use crate::values::py_utc_datetime;
use crate::wait;

/// A server date-time read as the core reads it (an offset applied, none meaning UTC, a plain
/// date as its midnight) into an aware UTC `datetime`; `ValueError` when it cannot be read.
#[pyfunction]
pub fn _read_timestamp<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let t = Timestamp::parse(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
    py_utc_datetime(py, &t.utc())
}

fn wire_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Config(format!("cannot write a model: {e}")))
}

/// A core answer as model `name` of `bankfeeds.models` (a list of them for a sequence, `None`
/// for `None`).
pub fn to_model<T: Serialize + ?Sized>(
    py: Python<'_>,
    name: &str,
    value: &T,
) -> PyResult<Py<PyAny>> {
    let text = wire_json(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(py
        .import("bankfeeds.models")?
        .call_method1("_from_json", (name, text))?
        .unbind())
}

/// A request body as the core reads it: a model becomes its wire dict, anything else is as given.
pub fn body<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    v.py()
        .import("bankfeeds.models")?
        .call_method1("_to_wire", (v,))
}

/// A paged list of any model type, its pages as wire JSON.
pub trait AnyPager: Send + Sync {
    /// One page by number.
    fn page(&self, number: u32) -> BoxFuture<'static, Result<String, Error>>;
    /// The pages from the query's first, as the core follows them.
    fn pages(&self) -> BoxStream<'static, Result<String, Error>>;
}

impl<T> AnyPager for Pager<T>
where
    T: DeserializeOwned + Serialize + Clone + Send + Sync + 'static,
{
    fn page(&self, number: u32) -> BoxFuture<'static, Result<String, Error>> {
        let pager = self.clone();
        async move { wire_json(&pager.page(number).await?) }.boxed()
    }

    fn pages(&self) -> BoxStream<'static, Result<String, Error>> {
        self.clone()
            .pages()
            .map(|page| page.and_then(|p| wire_json(&p)))
            .boxed()
    }
}

struct State {
    /// The pages not fetched yet; `None` once they end (or while a page is being fetched).
    stream: Option<BoxStream<'static, Result<String, Error>>>,
    /// Whether a page is being fetched right now.
    busy: bool,
    /// Why iteration stopped before the last page (an error, Ctrl-C, a cancelled task), so
    /// that iterating again raises instead of ending as if the list were complete.
    failed: Option<String>,
    /// Items of the fetched pages not yet handed out.
    items: VecDeque<Py<PyAny>>,
    pages_fetched: usize,
}

/// The items of a paged list, fetched a page at a time: the next page is asked for only when
/// iteration reaches it. `page(n)` fetches one page with its totals.
#[pyclass(module = "bankfeeds", name = "Pages", frozen)]
pub struct PyPages {
    pager: Box<dyn AnyPager>,
    model: &'static str,
    runtime: Arc<wait::Runtime>,
    state: Mutex<State>,
}

impl PyPages {
    pub fn new(pager: Box<dyn AnyPager>, model: &'static str, runtime: Arc<wait::Runtime>) -> Self {
        let stream = Some(pager.pages());
        PyPages {
            pager,
            model,
            runtime,
            state: Mutex::new(State {
                stream,
                busy: false,
                failed: None,
                items: VecDeque::new(),
                pages_fetched: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn page_model<'py>(&self, py: Python<'py>, text: String) -> PyResult<Bound<'py, PyAny>> {
        py.import("bankfeeds.models")?
            .call_method1("_page", (self.model, text))
    }
}

#[pymethods]
impl PyPages {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            // The lock is never held while waiting for Codat (the GIL is released then).
            let mut stream = {
                let mut state = self.lock();
                if let Some(item) = state.items.pop_front() {
                    return Ok(Some(item));
                }
                if state.busy {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "these Pages are being iterated by another thread",
                    ));
                }
                match (state.stream.take(), &state.failed) {
                    (Some(s), _) => {
                        state.busy = true;
                        s
                    }
                    (None, Some(why)) => {
                        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                            "these Pages stopped before the last page ({why}); list again"
                        )));
                    }
                    (None, None) => return Ok(None),
                }
            };
            let fetched = wait::block_on(py, &self.runtime, None, async move {
                let next = stream.next().await;
                (stream, next)
            });
            let mut state = self.lock();
            state.busy = false;
            let (stream, next) = match fetched {
                Ok(fetched) => fetched,
                Err(e) => {
                    state.failed = Some(e.to_string());
                    return Err(e);
                }
            };
            let text = match next {
                None => return Ok(None),
                Some(Err(e)) => {
                    state.failed = Some(e.to_string());
                    return Err(client_error(py, &e, None));
                }
                Some(Ok(text)) => text,
            };
            state.stream = Some(stream);
            state.pages_fetched += 1;
            drop(state);
            let page = self.page_model(py, text)?;
            let results = page.getattr("results")?;
            let mut state = self.lock();
            for item in results.try_iter()? {
                state.items.push_back(item?.unbind());
            }
        }
    }

    /// How many pages iteration has fetched so far.
    #[getter]
    fn pages_fetched(&self) -> usize {
        self.lock().pages_fetched
    }

    /// One page (from 1) of the same list, with its totals; iteration is not affected.
    fn page<'py>(&self, py: Python<'py>, number: u32) -> PyResult<Bound<'py, PyAny>> {
        let fetch = self.pager.page(number.max(1));
        match wait::block_on(py, &self.runtime, None, fetch)? {
            Ok(text) => self.page_model(py, text),
            Err(e) => Err(client_error(py, &e, None)),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Pages({}, pages_fetched={})",
            self.model,
            self.lock().pages_fetched
        )
    }
}
