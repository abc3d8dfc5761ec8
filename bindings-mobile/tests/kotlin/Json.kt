// A small JSON reader for the test data (no JSON library is on the offline classpath): objects
// are LinkedHashMaps, arrays Lists, numbers Long when whole and Double otherwise.
package bankfeeds.tests

object Json {
    fun parse(text: String): Any? {
        val r = Reader(text)
        val value = r.value()
        r.space()
        check(r.at == text.length) { "JSON: unexpected text at ${r.at}" }
        return value
    }

    private class Reader(val s: String) {
        var at = 0

        fun space() {
            while (at < s.length && s[at] in " \t\r\n") at++
        }

        fun value(): Any? {
            space()
            check(at < s.length) { "JSON: unexpected end" }
            return when (val c = s[at]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> word("true", true)
                'f' -> word("false", false)
                'n' -> word("null", null)
                else -> if (c == '-' || c.isDigit()) number() else fail("JSON: unexpected '$c' at $at")
            }
        }

        private fun word(w: String, v: Any?): Any? {
            check(s.startsWith(w, at)) { "JSON: bad literal at $at" }
            at += w.length
            return v
        }

        private fun number(): Any {
            val start = at
            while (at < s.length && (s[at].isDigit() || s[at] in "+-.eE")) at++
            val t = s.substring(start, at)
            return t.toLongOrNull() ?: t.toDouble()
        }

        private fun string(): String {
            at++ // opening quote
            val out = StringBuilder()
            while (true) {
                check(at < s.length) { "JSON: unterminated string" }
                val c = s[at++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> {
                        val e = s[at++]
                        when (e) {
                            'n' -> out.append('\n')
                            't' -> out.append('\t')
                            'r' -> out.append('\r')
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000c')
                            'u' -> {
                                out.append(s.substring(at, at + 4).toInt(16).toChar())
                                at += 4
                            }
                            else -> out.append(e) // " \ /
                        }
                    }
                    else -> out.append(c)
                }
            }
        }

        private fun array(): List<Any?> {
            at++
            val out = mutableListOf<Any?>()
            space()
            if (s[at] == ']') { at++; return out }
            while (true) {
                out += value()
                space()
                when (s[at++]) {
                    ',' -> continue
                    ']' -> return out
                    else -> fail("JSON: expected , or ] at ${at - 1}")
                }
            }
        }

        private fun obj(): Map<String, Any?> {
            at++
            val out = LinkedHashMap<String, Any?>()
            space()
            if (s[at] == '}') { at++; return out }
            while (true) {
                space()
                val key = string()
                space()
                check(s[at++] == ':') { "JSON: expected : at ${at - 1}" }
                out[key] = value()
                space()
                when (s[at++]) {
                    ',' -> continue
                    '}' -> return out
                    else -> fail("JSON: expected , or } at ${at - 1}")
                }
            }
        }
    }
}
