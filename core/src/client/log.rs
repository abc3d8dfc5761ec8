//! The client's `tracing` events as lines of text, for a binding that forwards them to its
//! language's logging (Python's `logging`, a Kotlin or Swift listener).
//!
//! A binding formats events with `tracing_subscriber`'s `fmt` layer into a [`LogLine`] per event;
//! the line goes to the binding's sink when the formatter is done with it. The client never
//! records headers, so the API key and custom authorisation values never reach a line.

/// One formatted event: the bytes the formatter writes, handed to `deliver` with the event's
/// `tag` (its level, its target...) when the line is dropped, trailing whitespace trimmed. An
/// empty line is not delivered.
pub struct LogLine<T> {
    tag: Option<T>,
    deliver: fn(T, &str),
    text: Vec<u8>,
}

impl<T> LogLine<T> {
    /// A line for an event tagged `tag`, to be handed to `deliver`.
    pub fn new(tag: T, deliver: fn(T, &str)) -> Self {
        LogLine {
            tag: Some(tag),
            deliver,
            text: Vec::with_capacity(128),
        }
    }
}

impl<T> std::io::Write for LogLine<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<T> Drop for LogLine<T> {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.text);
        let text = text.trim_end();
        if let Some(tag) = self.tag.take().filter(|_| !text.is_empty()) {
            (self.deliver)(tag, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::sync::Mutex;

    use super::*;

    static SEEN: Mutex<Vec<(u8, String)>> = Mutex::new(Vec::new());

    fn keep(tag: u8, text: &str) {
        SEEN.lock().unwrap().push((tag, text.to_owned()));
    }

    #[test]
    fn a_line_is_delivered_once_trimmed_and_never_empty() {
        {
            let mut line = LogLine::new(3, keep);
            write!(line, "request{{method=\"GET\"}}: ").unwrap();
            writeln!(line, "answered status=200").unwrap();
        }
        drop(LogLine::new(4, keep));
        {
            let mut blank = LogLine::new(5, keep);
            blank.write_all(b" \n").unwrap();
        }
        assert_eq!(
            *SEEN.lock().unwrap(),
            vec![(3, "request{method=\"GET\"}: answered status=200".to_owned())]
        );
    }
}
