//! Mutations on terms: create, update, publish (now or at a set time), unpublish, archive, delete, the
//! ordered lists (sections, related terms, categories), the call to action, and restoring a revision.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

use super::editing::{author, decode_id, editorial, term_payload};
use crate::{
    auth::Role,
    clock,
    content::{
        editorial::{TermChange, TermUpdate},
        pack::{
            CallToActionDocument, FaqDocument, SectionDocument, SeoDocument, TermDocument,
            TermStatus,
        },
        refusal::Problem,
    },
    graphql::{
        global_id::{self, NodeKind},
        guards::RoleGuard,
        types::payload::{DeleteTermPayload, TermPayload, UserError},
    },
};

/// A body section.
#[derive(Clone, Debug, InputObject)]
pub struct SectionInput {
    /// Heading, 1–300 characters.
    pub heading: String,
    /// Markdown, at most 100 000 characters.
    pub body: String,
}

/// An FAQ entry.
#[derive(Clone, Debug, InputObject)]
pub struct FaqInput {
    /// Question, 1–500 characters.
    pub question: String,
    /// Markdown answer, at most 20 000 characters.
    pub answer: String,
}

/// A call to action.
#[derive(Clone, Debug, InputObject)]
pub struct CallToActionInput {
    /// Heading, 1–300 characters.
    pub heading: String,
    /// Text, 1–2000 characters.
    pub text: String,
    /// Button label, 1–100 characters.
    pub label: String,
    /// Button target: an `http(s)://` URL or a site path starting with `/`.
    pub url: String,
}

/// SEO overrides; a missing field falls back to the title or the definition.
#[derive(Clone, Debug, InputObject)]
pub struct SeoInput {
    /// `<title>` override, at most 300 characters.
    pub title: Option<String>,
    /// Meta description override, at most 500 characters.
    pub description: Option<String>,
}

impl From<SectionInput> for SectionDocument {
    fn from(input: SectionInput) -> Self {
        SectionDocument {
            heading: input.heading,
            body: input.body,
        }
    }
}

impl From<FaqInput> for FaqDocument {
    fn from(input: FaqInput) -> Self {
        FaqDocument {
            question: input.question,
            answer: input.answer,
        }
    }
}

impl From<CallToActionInput> for CallToActionDocument {
    fn from(input: CallToActionInput) -> Self {
        CallToActionDocument {
            heading: input.heading,
            text: input.text,
            label: input.label,
            url: input.url,
        }
    }
}

impl From<SeoInput> for SeoDocument {
    fn from(input: SeoInput) -> Self {
        SeoDocument {
            title: input.title,
            description: input.description,
        }
    }
}

/// A new term; it starts as a draft.
#[derive(Clone, Debug, InputObject)]
pub struct CreateTermInput {
    /// Unique URL key: 1–96 characters of a-z, 0-9 and single inner hyphens.
    pub slug: String,
    /// The term itself, 1–200 characters.
    pub name: String,
    /// The question-style page heading, 1–300 characters.
    pub title: String,
    /// One to three sentences, 1–2000 characters.
    pub definition: String,
    /// Slugs of existing categories.
    #[graphql(default)]
    pub categories: Vec<String>,
    /// The ordered body.
    #[graphql(default)]
    pub sections: Vec<SectionInput>,
    /// The ordered FAQ list.
    #[graphql(default)]
    pub faqs: Vec<FaqInput>,
    /// Ordered slugs of related terms.
    #[graphql(default)]
    pub related: Vec<String>,
    /// Other names the term is linked by ("CI"): at most 20, each 1–200 characters, none another
    /// term's name or alias.
    #[graphql(default)]
    pub aliases: Vec<String>,
    /// Optional call to action.
    pub call_to_action: Option<CallToActionInput>,
    /// Optional SEO overrides.
    pub seo: Option<SeoInput>,
}

/// Changes to a term's own fields; omitted fields keep their value.
#[derive(Clone, Debug, InputObject)]
pub struct UpdateTermInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against; a different current version refuses it with `CONFLICT`.
    pub expected_version: Option<i32>,
    /// New slug; the old one keeps working as an alias.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// New definition.
    pub definition: Option<String>,
    /// New SEO overrides; null removes them.
    pub seo: MaybeUndefined<SeoInput>,
}

/// Which term, at which version.
#[derive(Clone, Debug, InputObject)]
pub struct TermVersionInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against; a different current version refuses it with `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// Publishing a term.
#[derive(Clone, Debug, InputObject)]
pub struct PublishTermInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against; a different current version refuses it with `CONFLICT`.
    pub expected_version: Option<i32>,
    /// When the term becomes public (UTC); now when omitted. A future time needs no background job: the
    /// term simply stays hidden until then.
    pub publish_at: Option<DateTime<Utc>>,
}

/// Replacing a term's sections.
#[derive(Clone, Debug, InputObject)]
pub struct SetTermSectionsInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
    /// The whole ordered list of sections.
    pub sections: Vec<SectionInput>,
}

/// Replacing a term's related terms.
#[derive(Clone, Debug, InputObject)]
pub struct SetRelatedTermsInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
    /// Ordered slugs of the related terms: existing, distinct, never the term itself.
    pub related: Vec<String>,
}

/// Replacing a term's categories.
#[derive(Clone, Debug, InputObject)]
pub struct SetTermCategoriesInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
    /// Slugs of existing categories.
    pub categories: Vec<String>,
}

/// Replacing a term's aliases.
#[derive(Clone, Debug, InputObject)]
pub struct SetTermAliasesInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
    /// The whole list of aliases, in order: at most 20, each 1–200 characters, distinct in any case,
    /// neither the term's own name nor another term's name or alias.
    pub aliases: Vec<String>,
}

/// Setting or removing a term's call to action.
#[derive(Clone, Debug, InputObject)]
pub struct SetCallToActionInput {
    /// The term's global ID.
    pub id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
    /// The call to action; null removes it.
    pub call_to_action: Option<CallToActionInput>,
}

/// Restoring a term to a stored revision.
#[derive(Clone, Debug, InputObject)]
pub struct RestoreTermRevisionInput {
    /// The revision's global ID (from `Term.revisions`).
    pub revision_id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
}

/// Term mutations; each needs an editor key (deleting, an admin key) and is one transaction.
#[derive(Default)]
pub struct TermMutation;

/// Runs one change on the term behind the global ID `id`.
async fn change(
    ctx: &Context<'_>,
    id: &ID,
    field: &str,
    expected_version: Option<i32>,
    change: TermChange,
) -> Result<TermPayload> {
    let author = author(ctx)?;
    let id = match decode_id(id, NodeKind::Term, field) {
        Ok(id) => id,
        Err(problem) => return Ok(TermPayload::refused(vec![problem])),
    };
    let outcome = editorial(ctx, &author)
        .change_term(id, expected_version, change)
        .await?;
    Ok(term_payload(outcome))
}

/// Term mutations; each needs an editor key (deleting, an admin key) and is one transaction.
#[Object]
impl TermMutation {
    /// Creates a term as a draft.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn create_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new term.")] input: CreateTermInput,
    ) -> Result<TermPayload> {
        let author = author(ctx)?;
        let document = TermDocument {
            slug: input.slug,
            name: input.name,
            title: input.title,
            definition: input.definition,
            categories: input.categories,
            sections: input.sections.into_iter().map(Into::into).collect(),
            faqs: input.faqs.into_iter().map(Into::into).collect(),
            related: input.related,
            aliases: input.aliases,
            status: TermStatus::Draft,
            call_to_action: input.call_to_action.map(Into::into),
            seo: input.seo.map(Into::into),
            published_at: None,
        };
        let outcome = editorial(ctx, &author).create_term(document).await?;
        Ok(term_payload(outcome))
    }

    /// Changes any subset of a term's own fields.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn update_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateTermInput,
    ) -> Result<TermPayload> {
        let seo = match input.seo {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(seo) => Some(Some(seo.into())),
        };
        let update = TermChange::Update(TermUpdate {
            slug: input.slug,
            name: input.name,
            title: input.title,
            definition: input.definition,
            seo,
        });
        change(ctx, &input.id, "id", input.expected_version, update).await
    }

    /// Publishes a term now, or schedules it with `publishAt`.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn publish_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which term, and when.")] input: PublishTermInput,
    ) -> Result<TermPayload> {
        let at = input.publish_at.unwrap_or_else(clock::now);
        let publish = TermChange::Publish { at };
        change(ctx, &input.id, "id", input.expected_version, publish).await
    }

    /// Takes a term off the public site, back to draft.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn unpublish_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which term.")] input: TermVersionInput,
    ) -> Result<TermPayload> {
        change(
            ctx,
            &input.id,
            "id",
            input.expected_version,
            TermChange::Unpublish,
        )
        .await
    }

    /// Archives a term: off the public site, kept for the record.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn archive_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which term.")] input: TermVersionInput,
    ) -> Result<TermPayload> {
        change(
            ctx,
            &input.id,
            "id",
            input.expected_version,
            TermChange::Archive,
        )
        .await
    }

    /// Replaces a term's sections with this ordered list.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn set_term_sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and its new sections.")] input: SetTermSectionsInput,
    ) -> Result<TermPayload> {
        let sections = input.sections.into_iter().map(Into::into).collect();
        let set = TermChange::SetSections(sections);
        change(ctx, &input.id, "id", input.expected_version, set).await
    }

    /// Replaces a term's related terms with this ordered list of slugs.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn set_related_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and its related terms.")] input: SetRelatedTermsInput,
    ) -> Result<TermPayload> {
        let set = TermChange::SetRelated(input.related);
        change(ctx, &input.id, "id", input.expected_version, set).await
    }

    /// Replaces a term's categories.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn set_term_categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and its categories.")] input: SetTermCategoriesInput,
    ) -> Result<TermPayload> {
        let set = TermChange::SetCategories(input.categories);
        change(ctx, &input.id, "id", input.expected_version, set).await
    }

    /// Replaces a term's aliases: other names automatic cross-links match as they match its name.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn set_term_aliases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and its aliases.")] input: SetTermAliasesInput,
    ) -> Result<TermPayload> {
        let set = TermChange::SetAliases(input.aliases);
        change(ctx, &input.id, "id", input.expected_version, set).await
    }

    /// Sets or removes a term's call to action.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn set_call_to_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and its call to action.")] input: SetCallToActionInput,
    ) -> Result<TermPayload> {
        let set = TermChange::SetCallToAction(input.call_to_action.map(Into::into));
        change(ctx, &input.id, "id", input.expected_version, set).await
    }

    /// Brings a term back to a stored revision; the restore is itself a new revision.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn restore_term_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which revision.")] input: RestoreTermRevisionInput,
    ) -> Result<TermPayload> {
        let author = author(ctx)?;
        let revision_id = match decode_id(&input.revision_id, NodeKind::TermRevision, "revisionId")
        {
            Ok(id) => id,
            Err(problem) => return Ok(TermPayload::refused(vec![problem])),
        };
        let outcome = editorial(ctx, &author)
            .restore_revision(revision_id, input.expected_version)
            .await?;
        Ok(term_payload(outcome))
    }

    /// Admins only: deletes a term with everything on it, its revisions included; links to it from other
    /// terms go too. Editors archive instead.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn delete_term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which term.")] input: TermVersionInput,
    ) -> Result<DeleteTermPayload> {
        let author = author(ctx)?;
        let refused = |problems: Vec<Problem>| DeleteTermPayload {
            deleted_term_id: None,
            user_errors: problems.into_iter().map(UserError::from).collect(),
        };
        let id = match decode_id(&input.id, NodeKind::Term, "id") {
            Ok(id) => id,
            Err(problem) => return Ok(refused(vec![problem])),
        };
        match editorial(ctx, &author)
            .delete_term(id, input.expected_version)
            .await?
        {
            Ok(()) => Ok(DeleteTermPayload {
                deleted_term_id: Some(global_id::encode(NodeKind::Term, id)),
                user_errors: Vec::new(),
            }),
            Err(problems) => Ok(refused(problems)),
        }
    }
}
