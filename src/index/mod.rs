//! Full-text archive index (tantivy): the schema, the single writer, and search with filters and
//! highlighted snippets. German text is stemmed; a separate `ident` field keeps identifiers whole
//! and without separators, so `VS-123 456/7` is found as `VS1234567`, `1234567` or as typed.
//! Takes [`IndexRecord`]s from the store; gives ranked [`Hit`]s. Blocking.

use std::ops::Bound;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use regex::Regex;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::model::DocumentId;
use crate::store::IndexRecord;

const GERMAN: &str = "de_stem";
/// Identifiers kept per document; more are dropped (hostile input).
const MAX_IDENTIFIERS_PER_DOC: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index is in use by another intake process (serve or ingest); stop it or run this command through it")]
    Locked,
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    root_id: Field,
    parent_id: Field,
    text: Field,
    subject: Field,
    sender: Field,
    filename: Field,
    ident: Field,
    channel: Field,
    doc_type: Field,
    customer_id: Field,
    queue: Field,
    received: Field,
    /// `1` for health data.
    health: Field,
    /// `YYYY-MM` of receipt, for the month facet.
    month: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let german = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(GERMAN)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        root_id: b.add_u64_field("root_id", INDEXED | STORED),
        parent_id: b.add_u64_field("parent_id", STORED),
        text: b.add_text_field("text", german.clone()),
        subject: b.add_text_field("subject", german.clone()),
        sender: b.add_text_field("sender", german.clone()),
        filename: b.add_text_field("filename", german),
        ident: b.add_text_field("ident", STRING),
        channel: b.add_text_field("channel", STRING | STORED | FAST),
        doc_type: b.add_text_field("doc_type", STRING | STORED | FAST),
        customer_id: b.add_text_field("customer_id", STRING | STORED | FAST),
        queue: b.add_text_field("queue", STRING | STORED | FAST),
        received: b.add_date_field("received", INDEXED | STORED | FAST),
        health: b.add_text_field("health", STRING),
        month: b.add_text_field("month", STRING | FAST),
    };
    (b.build(), fields)
}

fn german_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::German))
        .build()
}

fn identifier_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b([A-Za-z]{1,4}[-.\s]?)?(\d+(?:[ ./-]\d+)*)\b").expect("valid regex")
    })
}

/// Identifier-like sequences of `text`, normalised: separators removed, letters upper-cased.
/// For `VS-123 456/7` this gives `VS1234567` and `1234567`; every digit group of four or more
/// digits is also kept on its own.
pub fn identifier_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cap in identifier_pattern().captures_iter(text) {
        let digits: String = cap[2].chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.len() < 4 {
            continue;
        }
        if let Some(prefix) = cap.get(1) {
            let letters: String = prefix
                .as_str()
                .chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_uppercase();
            out.push(format!("{letters}{digits}"));
        }
        for group in cap[2].split([' ', '.', '/', '-']) {
            if group.len() >= 4 && group != digits {
                out.push(group.to_string());
            }
        }
        out.push(digits);
        if out.len() >= MAX_IDENTIFIERS_PER_DOC {
            break;
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The archive index on disk.
pub struct ArchiveIndex {
    index: Index,
    fields: Fields,
    reader: OnceLock<IndexReader>,
    rebuilt: bool,
}

impl ArchiveIndex {
    pub fn open(dir: &Path) -> Result<ArchiveIndex, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let mut rebuilt = false;
        let index = match Index::open_or_create(MmapDirectory::open(dir)?, schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(message)) => {
                // An index written by an older intake: the store is the truth, so start an
                // empty one and let the caller rebuild it from the store.
                tracing::warn!(%message, dir = %dir.display(), "index schema changed; rebuilding the index");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                rebuilt = true;
                Index::open_or_create(MmapDirectory::open(dir)?, schema)?
            }
            Err(e) => return Err(e.into()),
        };
        index.tokenizers().register(GERMAN, german_analyzer());
        Ok(ArchiveIndex {
            index,
            fields,
            reader: OnceLock::new(),
            rebuilt,
        })
    }

    /// The index was emptied at open because its schema changed: it must be rebuilt from the
    /// store (`App::open` does).
    pub fn needs_rebuild(&self) -> bool {
        self.rebuilt
    }

    /// The one writer. Only one process and one stage may hold it.
    pub fn writer(&self, memory_mb: usize) -> Result<ArchiveWriter, IndexError> {
        let writer = self
            .index
            .writer_with_num_threads(1, memory_mb.max(15) * 1024 * 1024)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Locked,
                other => IndexError::Tantivy(other),
            })?;
        Ok(ArchiveWriter {
            writer,
            fields: self.fields,
        })
    }

    /// The shared reader, brought up to the last commit.
    fn reader(&self) -> Result<&IndexReader, IndexError> {
        if let Some(r) = self.reader.get() {
            r.reload()?;
            return Ok(r);
        }
        let r: IndexReader = self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(self.reader.get_or_init(|| r))
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, IndexError> {
        let reader = self.reader()?;
        let searcher = reader.searcher();
        let f = self.fields;
        let mut parser = tantivy::query::QueryParser::for_index(
            &self.index,
            vec![f.text, f.subject, f.sender, f.filename],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.subject, 2.0);
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text_query = if req.query.trim().is_empty() {
            None
        } else {
            let (q, _errors) = parser.parse_query_lenient(&req.query);
            alternatives.push((Occur::Should, q.box_clone()));
            Some(q)
        };
        for token in identifier_tokens(&req.query) {
            alternatives.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.ident, &token),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if alternatives.is_empty() {
            clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        } else {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        let term_filter = |field: Field, value: &Option<String>| {
            value.as_ref().map(|v| {
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )) as Box<dyn Query>,
                )
            })
        };
        if let Some(queues) = &req.access.queues {
            // Only these queues; a document without a queue (not routed yet) matches none.
            let any_of: Vec<(Occur, Box<dyn Query>)> = queues
                .iter()
                .map(|q| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.queue, q),
                            IndexRecordOption::Basic,
                        )) as Box<dyn Query>,
                    )
                })
                .collect();
            if any_of.is_empty() {
                return Ok(SearchResults::default());
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any_of))));
        }
        if !req.access.health {
            clauses.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.health, "1"),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        clauses.extend(term_filter(f.doc_type, &req.doc_type));
        clauses.extend(term_filter(f.channel, &req.channel));
        clauses.extend(term_filter(f.customer_id, &req.customer_id));
        clauses.extend(term_filter(f.queue, &req.queue));
        if req.since.is_some() || req.until.is_some() {
            let day = |d: NaiveDate| {
                tantivy::DateTime::from_timestamp_secs(
                    d.and_hms_opt(0, 0, 0)
                        .expect("midnight")
                        .and_utc()
                        .timestamp(),
                )
            };
            let lower = req
                .since
                .map(|d| Bound::Included(Term::from_field_date(f.received, day(d))))
                .unwrap_or(Bound::Unbounded);
            let upper = req
                .until
                .and_then(|d| d.succ_opt())
                .map(|d| Bound::Excluded(Term::from_field_date(f.received, day(d))))
                .unwrap_or(Bound::Unbounded);
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        let query = BooleanQuery::new(clauses);
        let top_docs = TopDocs::with_limit(req.limit.max(1))
            .and_offset(req.offset)
            .order_by_score();
        let (total, top, facets) = if req.facets {
            let aggs: tantivy::aggregation::agg_req::Aggregations = serde_json::from_value(
                serde_json::json!({
                    "doc_type": { "terms": { "field": "doc_type", "size": 50 } },
                    "queue": { "terms": { "field": "queue", "size": 50 } },
                    "channel": { "terms": { "field": "channel", "size": 50 } },
                    "month": { "terms": { "field": "month", "size": 120, "order": { "_key": "desc" } } },
                }),
            )
            .expect("static aggregation request");
            let collector =
                tantivy::aggregation::AggregationCollector::from_aggs(aggs, Default::default());
            let (total, top, aggs) = searcher.search(&query, &(Count, top_docs, collector))?;
            (total, top, Some(facet_counts(aggs)))
        } else {
            let (total, top) = searcher.search(&query, &(Count, top_docs))?;
            (total, top, None)
        };
        let snippets = match &text_query {
            Some(q) => {
                let mut g = SnippetGenerator::create(&searcher, q.as_ref(), f.text)?;
                g.set_max_num_chars(180);
                Some(g)
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text_of = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let (snippet, highlights) = match &snippets {
                Some(g) => {
                    let s = g.snippet_from_doc(&doc);
                    let ranges = s.highlighted().iter().map(|r| (r.start, r.end)).collect();
                    (s.fragment().to_string(), ranges)
                }
                None => (String::new(), Vec::new()),
            };
            let snippet = if snippet.is_empty() {
                text_of(f.text)
                    .map(|t| t.chars().take(160).collect())
                    .unwrap_or_default()
            } else {
                snippet
            };
            hits.push(Hit {
                id: DocumentId(
                    doc.get_first(f.id)
                        .and_then(|v| v.as_u64())
                        .unwrap_or_default() as i64,
                ),
                root_id: doc
                    .get_first(f.root_id)
                    .and_then(|v| v.as_u64())
                    .map(|v| DocumentId(v as i64)),
                parent_id: doc
                    .get_first(f.parent_id)
                    .and_then(|v| v.as_u64())
                    .map(|v| DocumentId(v as i64)),
                score,
                subject: text_of(f.subject),
                sender: text_of(f.sender),
                filename: text_of(f.filename),
                channel: text_of(f.channel).unwrap_or_default(),
                doc_type: text_of(f.doc_type),
                customer_id: text_of(f.customer_id),
                queue: text_of(f.queue),
                received_at: doc
                    .get_first(f.received)
                    .and_then(|v| v.as_datetime())
                    .and_then(|d| DateTime::from_timestamp(d.into_timestamp_secs(), 0))
                    .unwrap_or_default(),
                snippet,
                highlights,
            });
        }
        Ok(SearchResults {
            total: total as u64,
            hits,
            facets,
        })
    }
}

/// Bucket counts of the terms aggregations, by facet name.
fn facet_counts(aggs: tantivy::aggregation::agg_result::AggregationResults) -> Facets {
    use tantivy::aggregation::agg_result::{AggregationResult, BucketResult};
    use tantivy::aggregation::Key;
    let mut out = Facets::default();
    for (name, result) in aggs.0 {
        let AggregationResult::BucketResult(BucketResult::Terms { buckets, .. }) = result else {
            continue;
        };
        let counts: Vec<FacetCount> = buckets
            .into_iter()
            .map(|b| FacetCount {
                value: match b.key {
                    Key::Str(s) => s,
                    other => format!("{other:?}"),
                },
                count: b.doc_count,
            })
            .collect();
        match name.as_str() {
            "doc_type" => out.doc_type = counts,
            "queue" => out.queue = counts,
            "channel" => out.channel = counts,
            "month" => out.month = counts,
            _ => {}
        }
    }
    out
}

/// The single writer of the index; owned by one stage.
pub struct ArchiveWriter {
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
}

impl ArchiveWriter {
    /// Adds (or replaces) documents; visible after [`ArchiveWriter::commit`].
    pub fn upsert(&mut self, records: &[IndexRecord]) -> Result<(), IndexError> {
        let f = self.fields;
        for r in records {
            self.writer
                .delete_term(Term::from_field_u64(f.id, r.id.0 as u64));
            let mut d = doc!(
                f.id => r.id.0 as u64,
                f.root_id => r.root_id.0 as u64,
                f.text => r.text.as_str(),
                f.channel => r.channel.as_str(),
                f.received => tantivy::DateTime::from_timestamp_secs(r.received_at.timestamp()),
            );
            if let Some(p) = r.parent_id {
                d.add_u64(f.parent_id, p.0 as u64);
            }
            if r.health_data {
                d.add_text(f.health, "1");
            }
            for q in &r.also_queues {
                d.add_text(f.queue, q);
            }
            d.add_text(f.month, r.received_at.format("%Y-%m").to_string());
            for (field, value) in [
                (f.subject, &r.subject),
                (f.sender, &r.sender),
                (f.filename, &r.filename),
                (f.doc_type, &r.doc_type),
                (f.customer_id, &r.customer_id),
                (f.queue, &r.queue),
            ] {
                if let Some(v) = value {
                    d.add_text(field, v);
                }
            }
            let mut idents = identifier_tokens(&r.text);
            if let Some(s) = &r.subject {
                idents.extend(identifier_tokens(s));
            }
            idents.truncate(MAX_IDENTIFIERS_PER_DOC);
            for token in idents {
                d.add_text(f.ident, &token);
            }
            self.writer.add_document(d)?;
        }
        Ok(())
    }

    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        Ok(())
    }

    pub fn delete_all(&mut self) -> Result<(), IndexError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub doc_type: Option<String>,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub channel: Option<String>,
    pub limit: usize,
    /// Hits to skip (paging).
    pub offset: usize,
    /// Count hits per type, queue, channel and month.
    pub facets: bool,
    /// What the searching user may see; the default is everything (the operator's CLI).
    pub access: AccessFilter,
}

/// Restricts a search to what a user may see, inside the query itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFilter {
    /// Only documents of these queues; `None` = all documents.
    pub queues: Option<Vec<String>>,
    /// Include health data.
    pub health: bool,
}

impl Default for AccessFilter {
    fn default() -> Self {
        AccessFilter {
            queues: None,
            health: true,
        }
    }
}

impl From<crate::users::Scope> for AccessFilter {
    fn from(s: crate::users::Scope) -> Self {
        AccessFilter {
            queues: s.queues,
            health: s.health,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Hit counts per facet value (of all hits, not only the page).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub doc_type: Vec<FacetCount>,
    pub queue: Vec<FacetCount>,
    pub channel: Vec<FacetCount>,
    pub month: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: DocumentId,
    pub root_id: Option<DocumentId>,
    pub parent_id: Option<DocumentId>,
    pub score: f32,
    pub subject: Option<String>,
    pub sender: Option<String>,
    pub filename: Option<String>,
    pub channel: String,
    pub doc_type: Option<String>,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    pub received_at: DateTime<Utc>,
    pub snippet: String,
    /// Byte ranges of `snippet` that matched the query.
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub total: u64,
    pub hits: Vec<Hit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, text: &str, subject: &str, day: u32) -> IndexRecord {
        IndexRecord {
            id: DocumentId(id),
            root_id: DocumentId(id),
            parent_id: None,
            channel: "inbox".into(),
            received_at: NaiveDate::from_ymd_opt(2026, 3, day)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap()
                .and_utc(),
            filename: None,
            subject: Some(subject.into()),
            sender: None,
            text: text.into(),
            doc_type: None,
            customer_id: None,
            queue: None,
            also_queues: Vec::new(),
            health_data: false,
        }
    }

    #[test]
    fn identifiers_are_kept_whole_without_separators() {
        let t = identifier_tokens("Versicherungsnummer VS-123 456/7, Kundennr. 100234");
        assert!(t.contains(&"VS1234567".to_string()), "{t:?}");
        assert!(t.contains(&"1234567".to_string()), "{t:?}");
        assert!(t.contains(&"100234".to_string()), "{t:?}");
        assert!(identifier_tokens("am 3. Mai um 12 Uhr").is_empty());
    }

    #[test]
    fn german_stemming_identifiers_and_date_filters() {
        let dir = tempfile::tempdir().unwrap();
        let index = ArchiveIndex::open(dir.path()).unwrap();
        let mut w = index.writer(20).unwrap();
        w.upsert(&[
            record(
                1,
                "Hiermit kündige ich meinen Vertrag VS-123 456/7 fristgerecht.",
                "Kündigung",
                1,
            ),
            record(
                2,
                "Wasserschaden in der Küche, bitte melden Sie sich.",
                "Schaden",
                20,
            ),
        ])
        .unwrap();
        w.commit().unwrap();

        let search = |q: &str| {
            index
                .search(&SearchRequest {
                    query: q.into(),
                    limit: 10,
                    ..Default::default()
                })
                .unwrap()
        };
        // Stemming: plural/inflected forms find each other.
        assert_eq!(search("Verträge").hits[0].id, DocumentId(1));
        assert_eq!(search("kündigen").hits[0].id, DocumentId(1));
        // Identifiers with and without separators.
        for q in ["VS-123 456/7", "VS1234567", "1234567"] {
            let r = search(q);
            assert_eq!(r.total, 1, "query {q}");
            assert_eq!(r.hits[0].id, DocumentId(1), "query {q}");
        }
        // Snippet highlights the match.
        let r = search("Küche");
        let h = &r.hits[0];
        assert_eq!(h.id, DocumentId(2));
        let (s, e) = h.highlights[0];
        assert_eq!(&h.snippet[s..e], "Küche");
        // Date filter.
        let r = index
            .search(&SearchRequest {
                query: String::new(),
                since: NaiveDate::from_ymd_opt(2026, 3, 10),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.total, 1);
        assert_eq!(r.hits[0].id, DocumentId(2));
        // Re-adding replaces, never duplicates.
        w.upsert(&[record(2, "Wasserschaden im Bad", "Schaden", 20)])
            .unwrap();
        w.commit().unwrap();
        assert_eq!(search("Wasserschaden").total, 1);
        assert_eq!(search("Küche").total, 0);
    }

    #[test]
    fn second_writer_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let index = ArchiveIndex::open(dir.path()).unwrap();
        let _w = index.writer(20).unwrap();
        let again = ArchiveIndex::open(dir.path()).unwrap();
        assert!(matches!(again.writer(20), Err(IndexError::Locked)));
    }
}
