//! Automatic cross-links as requests see them: [`CurrentLinker`] renders one request's text with the
//! linker of the moment (kept by [`super::public_names`]), [`backlinks`] finds the terms that link to
//! one, and [`rendered_texts`] reads the texts links run over.

use std::{collections::HashMap, sync::Arc};

use entity::term;
use sea_orm::ConnectionTrait;

use super::{
    cross_links::{Linker, Links},
    linked_texts::LinkedTexts,
    terms,
    text_forms::TextForms,
    visibility::Visibility,
};
use crate::error::Result;

/// A linker with the prefix its links take and the links it found before: what renders one request's
/// text.
#[derive(Clone)]
pub struct CurrentLinker {
    pub(super) linker: Arc<Linker>,
    pub(super) href_prefix: Arc<str>,
    /// Where the links of the texts it linked before go, kept as long as it is current.
    pub(super) rendered: Arc<LinkedTexts>,
}

impl CurrentLinker {
    /// `html` (a section body or FAQ answer of term `own`) with its links, kept from before when it
    /// was linked before.
    pub fn link(&self, html: &str, own: i64) -> String {
        self.linker
            .render_html(html, &self.links(html, own), &self.href_prefix)
    }

    /// Where the links of `html` (a text of term `own`) go: kept, or found and kept.
    fn links(&self, html: &str, own: i64) -> Arc<Links> {
        self.rendered
            .get_or_find(html, own, || self.linker.find(html, own))
    }

    /// The terms that `texts` (the rendered sections and answers of term `own`) link to, in order of
    /// first mention, each once.
    pub fn mentions<'a>(&self, texts: impl IntoIterator<Item = &'a str>, own: i64) -> Vec<i64> {
        let mut mentions = Vec::new();
        for text in texts {
            for id in self.linker.mentions(&self.links(text, own)) {
                if !mentions.contains(&id) {
                    mentions.push(id);
                }
            }
        }
        mentions
    }
}

/// Candidates read per statement while looking for backlinks.
const CANDIDATES_PER_READ: u64 = 100;

/// The rendered texts that automatic cross-links run over (section bodies, then FAQ answers) of each
/// of `term_ids`. Two SQL statements.
pub async fn rendered_texts(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    let mut texts: HashMap<i64, Vec<String>> = HashMap::new();
    for section in super::sections::by_term_ids(db, term_ids, TextForms::HTML).await? {
        texts
            .entry(section.term_id)
            .or_default()
            .push(section.body_html);
    }
    for faq in super::faqs::by_term_ids(db, term_ids, TextForms::HTML).await? {
        texts.entry(faq.term_id).or_default().push(faq.answer_html);
    }
    Ok(texts)
}

/// A page of the terms that link to one term.
#[derive(Debug, Default)]
pub struct BacklinkPage {
    /// The linking terms, by name, each with its position among the candidates (for cursors).
    pub terms: Vec<(u64, term::Model)>,
    /// More follow.
    pub more: bool,
}

/// The public terms whose sections or FAQ answers link to term `target` (named `names`: its name and
/// aliases), by name, from candidate position `offset`, at most `first`. Candidates are the terms whose
/// text holds one of the names as a phrase (the full-text index, one statement per
/// [`CANDIDATES_PER_READ`]); each is confirmed by running `linker` over its texts (two statements per
/// read), so the list obeys every cross-link rule. The caller checks that `target` is public.
pub async fn backlinks(
    db: &impl ConnectionTrait,
    linker: &CurrentLinker,
    target: i64,
    names: &[String],
    offset: u64,
    first: usize,
) -> Result<BacklinkPage> {
    let public = Visibility::public();
    let mut confirmed: Vec<(u64, i64)> = Vec::new();
    let mut page = BacklinkPage::default();
    let mut at = offset;
    loop {
        let candidates =
            super::search::phrase_candidates(db, public, names, target, at, CANDIDATES_PER_READ)
                .await?;
        if candidates.is_empty() {
            break;
        }
        let texts = rendered_texts(db, &candidates).await?;
        for (i, candidate) in candidates.iter().enumerate() {
            let own_texts = texts.get(candidate).map(Vec::as_slice).unwrap_or_default();
            let mentions = linker.mentions(own_texts.iter().map(String::as_str), *candidate);
            if mentions.contains(&target) {
                if confirmed.len() == first {
                    page.more = true;
                    break;
                }
                confirmed.push((at + i as u64, *candidate));
            }
        }
        if page.more || (candidates.len() as u64) < CANDIDATES_PER_READ {
            break;
        }
        at += candidates.len() as u64;
    }
    let ids: Vec<i64> = confirmed.iter().map(|(_, id)| *id).collect();
    let mut rows = terms::by_id_map(db, public, &ids).await?;
    page.terms = confirmed
        .into_iter()
        .filter_map(|(position, id)| rows.remove(&id).map(|row| (position, row)))
        .collect();
    Ok(page)
}
