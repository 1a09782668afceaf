//! The editorial API: every mutation's happy path and its refusals, the auth matrix, previews and
//! scheduling, slug aliases, revisions and restore, and concurrent editors that never lose an update.

use crate::common::{TestApp, pack, spawn_app, spawn_app_with, term_line};
use glossary::auth::{Role, api_keys};
use serde_json::{Value, json};

struct Editors {
    editor: String,
    admin: String,
}

async fn editors(app: &TestApp) -> Editors {
    Editors {
        editor: app.key("alice", Role::Editor).await,
        admin: app.key("root", Role::Admin).await,
    }
}

/// Runs a mutation as `key` and returns its payload (the first field of `data`), asserting no top-level error.
async fn mutate(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    app.gql_as(key, query, variables)
        .await
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone()
}

const CREATE: &str = "mutation($input: CreateTermInput!) { createTerm(input: $input) { term { id slug status version } userErrors { field message code } } }";
const UPDATE: &str = "mutation($input: UpdateTermInput!) { updateTerm(input: $input) { term { id slug name title version } userErrors { field message code } } }";
const PUBLISH: &str = "mutation($input: PublishTermInput!) { publishTerm(input: $input) { term { status publishedAt version } userErrors { field message code } } }";
const PREVIEW: &str = "query($slug: String!) { term(slug: $slug, preview: true) { slug status version sections { heading } faqs { id question } relatedTerms { slug } categories { slug } callToAction { label } } }";

async fn create(app: &TestApp, key: &str, slug: &str, extra: Value) -> (String, i64) {
    let mut input = json!({"slug": slug, "name": slug.replace('-', " "), "title": format!("What is {slug}?"), "definition": "A term."});
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let payload = mutate(app, key, CREATE, json!({"input": input})).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    (
        payload["term"]["id"].as_str().unwrap().to_owned(),
        payload["term"]["version"].as_i64().unwrap(),
    )
}

async fn preview(app: &TestApp, key: &str, slug: &str) -> Value {
    let (_, body) = app.post_as(Some(key), PREVIEW, json!({"slug": slug})).await;
    body["data"]["term"].clone()
}

async fn public_slug(app: &TestApp, slug: &str) -> Value {
    app.gql(
        "query($s: String!) { term(slug: $s) { slug } }",
        json!({"s": slug}),
    )
    .await["term"]
        .clone()
}

#[tokio::test]
async fn create_preview_publish_and_schedule() {
    let app = spawn_app().await;
    let keys = editors(&app).await;
    let (id, version) = create(
        &app,
        &keys.editor,
        "new-term",
        json!({"sections": [{"heading": "Why?", "body": "Because."}]}),
    )
    .await;
    assert_eq!(version, 1);
    assert_eq!(
        public_slug(&app, "new-term").await,
        Value::Null,
        "a new term is a draft"
    );

    // Preview is for editors only.
    let (_, body) = app.post(PREVIEW, json!({"slug": "new-term"})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let (_, body) = app
        .post_as(Some(&keys.editor), PREVIEW, json!({"slug": "new-term"}))
        .await;
    assert_eq!(body["data"]["term"]["status"], "DRAFT");
    assert_eq!(
        body["data"]["term"]["sections"],
        json!([{"heading": "Why?"}])
    );

    // Drafts in lists: editors ask with a status filter; anonymous readers may not.
    let list = "query($s: [TermStatus!]) { terms(filter: {status: $s}) { totalCount } }";
    let (_, body) = app.post(list, json!({"s": ["DRAFT"]})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let (_, body) = app
        .post_as(Some(&keys.editor), list, json!({"s": ["DRAFT"]}))
        .await;
    assert_eq!(body["data"]["terms"]["totalCount"], 1);

    // Scheduled in the future: published, but hidden until then.
    let later = "2999-01-01T00:00:00Z";
    let payload = mutate(
        &app,
        &keys.editor,
        PUBLISH,
        json!({"input": {"id": id, "expectedVersion": 1, "publishAt": later}}),
    )
    .await;
    assert_eq!(payload["term"]["status"], "PUBLISHED");
    assert_eq!(payload["term"]["version"], 2);
    assert_eq!(
        public_slug(&app, "new-term").await,
        Value::Null,
        "scheduled terms stay hidden"
    );
    let (_, body) = app
        .post_as(Some(&keys.editor), list, json!({"s": ["PUBLISHED"]}))
        .await;
    assert_eq!(
        body["data"]["terms"]["totalCount"], 1,
        "editors see scheduled terms"
    );

    // Publishing now makes it public at once.
    let payload = mutate(&app, &keys.editor, PUBLISH, json!({"input": {"id": id}})).await;
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        public_slug(&app, "new-term").await,
        json!({"slug": "new-term"})
    );

    for (mutation, status) in [("unpublishTerm", "DRAFT"), ("archiveTerm", "ARCHIVED")] {
        let query = format!(
            "mutation($input: TermVersionInput!) {{ {mutation}(input: $input) {{ term {{ status }} userErrors {{ code }} }} }}"
        );
        let payload = mutate(&app, &keys.editor, &query, json!({"input": {"id": id}})).await;
        assert_eq!(payload["term"]["status"], status);
        assert_eq!(public_slug(&app, "new-term").await, Value::Null);
    }
}

/// A published term `old-name` (at version 2) beside a published `taken`; the editors' keys; its id.
async fn published_subject() -> (TestApp, Editors, String) {
    let app = spawn_app_with(&pack(&[term_line("taken", "Taken", json!({}))])).await;
    let keys = editors(&app).await;
    let (id, _) = create(&app, &keys.editor, "old-name", json!({})).await;
    mutate(&app, &keys.editor, PUBLISH, json!({"input": {"id": id}})).await;
    (app, keys, id)
}

/// The `term` field reads a page's lists in the term's own batch (`graphql::term_page`): found by an old
/// slug, the term comes with the same lists as by its current one.
#[tokio::test]
async fn an_old_slug_finds_the_whole_page() {
    let app = spawn_app_with(&pack(&[term_line("taken", "Taken", json!({}))])).await;
    let keys = editors(&app).await;
    let (id, _) = create(
        &app,
        &keys.editor,
        "old-name",
        json!({
            "sections": [{"heading": "Why?", "body": "Because **so**."}, {"heading": "How?", "body": "- a\n- b"}],
            "faqs": [{"question": "When?", "answer": "*Now*."}],
            "related": ["taken"],
        }),
    )
    .await;
    mutate(&app, &keys.editor, PUBLISH, json!({"input": {"id": id}})).await;
    let payload = mutate(
        &app,
        &keys.editor,
        UPDATE,
        json!({"input": {"id": id, "slug": "new-name"}}),
    )
    .await;
    assert_eq!(payload["term"]["slug"], "new-name", "{payload}");
    let page = |slug: &'static str| {
        app.gql(
            "query($s: String!) { term(slug: $s) { slug sections { heading body(format: HTML) } \
             faqs { question answer } relatedTerms { slug name } categories { slug } } }",
            json!({"s": slug}),
        )
    };
    let by_new = page("new-name").await;
    assert_eq!(by_new["term"]["slug"], "new-name");
    assert_eq!(by_new["term"]["sections"][1]["heading"], "How?");
    assert_eq!(by_new["term"]["faqs"][0]["answer"], "*Now*.");
    assert_eq!(by_new["term"]["relatedTerms"][0]["name"], "Taken");
    assert_eq!(page("old-name").await, by_new);

    // Both slugs in one batch: the lists read by the current slug are not read again for the old
    // one, and a list only the old slug's selection shows is read for it.
    let both = app
        .gql(
            r#"query {
              current: term(slug: "new-name") { sections { heading } faqs { question } }
              old: term(slug: "old-name") { slug sections { heading } relatedTerms { slug } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        both,
        json!({
            "current": {"sections": [{"heading": "Why?"}, {"heading": "How?"}], "faqs": [{"question": "When?"}]},
            "old": {
                "slug": "new-name",
                "sections": [{"heading": "Why?"}, {"heading": "How?"}],
                "relatedTerms": [{"slug": "taken"}]
            }
        })
    );
}

#[tokio::test]
async fn a_rename_keeps_the_old_slug_as_an_alias_that_no_other_term_may_take() {
    let (app, keys, id) = published_subject().await;

    let payload = mutate(
        &app,
        &keys.editor,
        UPDATE,
        json!({"input": {"id": id, "slug": "new-name", "title": "What is the new name?"}}),
    )
    .await;
    assert_eq!(payload["term"]["slug"], "new-name");
    assert_eq!(payload["term"]["title"], "What is the new name?");
    assert_eq!(
        payload["term"]["name"], "old name",
        "omitted fields keep their value"
    );
    // The old slug still finds the term, whose slug is the canonical one.
    assert_eq!(
        public_slug(&app, "old-name").await,
        json!({"slug": "new-name"})
    );
    // The alias cannot be taken by another term, but the term can rename back to it.
    let payload = mutate(
        &app,
        &keys.editor,
        CREATE,
        json!({"input": {"slug": "old-name", "name": "X", "title": "X?", "definition": "X."}}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], "TAKEN");
    let payload = mutate(
        &app,
        &keys.editor,
        UPDATE,
        json!({"input": {"id": id, "slug": "old-name"}}),
    )
    .await;
    assert_eq!(payload["term"]["slug"], "old-name");
    assert_eq!(
        public_slug(&app, "new-name").await,
        json!({"slug": "old-name"})
    );
}

#[tokio::test]
async fn bad_updates_are_refused_field_by_field_and_write_nothing() {
    let (app, keys, id) = published_subject().await;
    let cases = [
        (
            json!({"slug": "Bad Slug"}),
            json!(["input", "slug"]),
            "INVALID",
        ),
        (json!({"slug": "taken"}), json!(["input", "slug"]), "TAKEN"),
        (json!({"name": ""}), json!(["input", "name"]), "INVALID"),
        (
            json!({"definition": "x".repeat(2001)}),
            json!(["input", "definition"]),
            "INVALID",
        ),
        (
            json!({"expectedVersion": 1}),
            json!(["input", "expectedVersion"]),
            "CONFLICT",
        ),
    ];
    let before = app
        .gql(
            PREVIEW.replace("preview: true", "").as_str(),
            json!({"slug": "old-name"}),
        )
        .await;
    for (change, field, code) in cases {
        let mut input = json!({"id": id});
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let payload = mutate(&app, &keys.editor, UPDATE, json!({"input": input})).await;
        assert_eq!(payload["term"], Value::Null, "{change}");
        assert_eq!(payload["userErrors"][0]["field"], field, "{change}");
        assert_eq!(
            payload["userErrors"][0]["code"], code,
            "{change}: {payload}"
        );
    }
    let payload = mutate(
        &app,
        &keys.editor,
        UPDATE,
        json!({"input": {"id": id, "expectedVersion": 1}}),
    )
    .await;
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("now at version 2"),
        "{payload}"
    );
    let after = app
        .gql(
            PREVIEW.replace("preview: true", "").as_str(),
            json!({"slug": "old-name"}),
        )
        .await;
    assert_eq!(before, after, "refused changes wrote nothing");

    let payload = mutate(
        &app,
        &keys.editor,
        UPDATE,
        json!({"input": {"id": "nonsense"}}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
}

/// Two published terms and a draft `subject` with two FAQ entries; the editors' keys; `subject`'s id.
async fn subject_with_faqs() -> (TestApp, Editors, String) {
    let app = spawn_app_with(&pack(&[
        term_line("other", "Other", json!({})),
        term_line("third", "Third", json!({})),
    ]))
    .await;
    let keys = editors(&app).await;
    let (id, _) = create(
        &app,
        &keys.editor,
        "subject",
        json!({"faqs": [{"question": "A?", "answer": "a"}, {"question": "B?", "answer": "b"}]}),
    )
    .await;
    (app, keys, id)
}

const CREATE_ROLES: &str = "mutation { createCategory(input: {slug: \"roles\", name: \"Roles\"}) { category { id slug name } userErrors { code } } }";
/// Sets the subject's categories by slug and returns the mutation payload.
async fn set_categories(app: &TestApp, key: &str, id: &str, slugs: &[&str]) -> Value {
    let query = "mutation($input: SetTermCategoriesInput!) { setTermCategories(input: $input) { term { version } userErrors { code } } }";
    mutate(
        app,
        key,
        query,
        json!({"input": {"id": id, "categories": slugs}}),
    )
    .await
}

const SET_RELATED: &str = "mutation($input: SetRelatedTermsInput!) { setRelatedTerms(input: $input) { term { version } userErrors { field message code } } }";

#[tokio::test]
async fn ordered_lists_and_the_call_to_action_are_replaced_or_refused() {
    let (app, keys, id) = subject_with_faqs().await;
    mutate(&app, &keys.editor, CREATE_ROLES, json!({})).await;

    let sections = "mutation($input: SetTermSectionsInput!) { setTermSections(input: $input) { term { version } userErrors { field code } } }";
    let payload = mutate(&app, &keys.editor, sections, json!({"input": {"id": id, "sections": [{"heading": "One", "body": "1"}, {"heading": "Two", "body": "- a\n  - b"}]}})).await;
    assert_eq!(payload["term"]["version"], 2);
    let bad = mutate(
        &app,
        &keys.editor,
        sections,
        json!({"input": {"id": id, "sections": [{"heading": "", "body": "1"}]}}),
    )
    .await;
    assert_eq!(
        bad["userErrors"],
        json!([{"field": ["input", "sections", "0", "heading"], "code": "INVALID"}])
    );

    mutate(
        &app,
        &keys.editor,
        SET_RELATED,
        json!({"input": {"id": id, "related": ["third", "other"]}}),
    )
    .await;
    for (list, code) in [
        (json!(["subject"]), "INVALID"),
        (json!(["ghost"]), "NOT_FOUND"),
        (json!(["other", "other"]), "INVALID"),
    ] {
        let payload = mutate(
            &app,
            &keys.editor,
            SET_RELATED,
            json!({"input": {"id": id, "related": list}}),
        )
        .await;
        assert_eq!(payload["userErrors"][0]["code"], code, "{list}");
    }
    set_categories(&app, &keys.editor, &id, &["roles"]).await;
    let payload = set_categories(&app, &keys.editor, &id, &["nope"]).await;
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
    let cta = "mutation($input: SetCallToActionInput!) { setCallToAction(input: $input) { term { version } userErrors { field code } } }";
    mutate(&app, &keys.editor, cta, json!({"input": {"id": id, "callToAction": {"heading": "H", "text": "T", "label": "Go", "url": "/start"}}})).await;
    let payload = mutate(&app, &keys.editor, cta, json!({"input": {"id": id, "callToAction": {"heading": "H", "text": "T", "label": "Go", "url": "ftp://x"}}})).await;
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "callToAction", "url"])
    );

    let term = preview(&app, &keys.editor, "subject").await;
    assert_eq!(
        term["relatedTerms"],
        json!([{"slug": "third"}, {"slug": "other"}]),
        "in the editor's order"
    );
    assert_eq!(term["categories"], json!([{"slug": "roles"}]));
    assert_eq!(term["callToAction"], json!({"label": "Go"}));
    assert_eq!(
        term["sections"],
        json!([{"heading": "One"}, {"heading": "Two"}])
    );
}

#[tokio::test]
async fn faqs_keep_their_ids_through_adds_updates_reorders_and_removals() {
    let (app, keys, id) = subject_with_faqs().await;
    let term = preview(&app, &keys.editor, "subject").await;
    let faq_ids: Vec<String> = term["faqs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    let add = "mutation($input: AddFaqInput!) { addFaq(input: $input) { term { faqs { id question } } userErrors { field code } } }";
    let payload = mutate(
        &app,
        &keys.editor,
        add,
        json!({"input": {"termId": id, "question": "First?", "answer": "Yes.", "position": 0}}),
    )
    .await;
    let faqs = payload["term"]["faqs"].as_array().unwrap().clone();
    assert_eq!(faqs[0]["question"], "First?");
    assert_eq!(faqs[1]["id"], faq_ids[0]);
    let bad = mutate(
        &app,
        &keys.editor,
        add,
        json!({"input": {"termId": id, "question": "X?", "answer": "x", "position": 9}}),
    )
    .await;
    assert_eq!(bad["userErrors"][0]["code"], "INVALID");
    let update = "mutation($input: UpdateFaqInput!) { updateFaq(input: $input) { term { faqs { id question answer } } userErrors { code } } }";
    let payload = mutate(
        &app,
        &keys.editor,
        update,
        json!({"input": {"id": faq_ids[1], "answer": "bee"}}),
    )
    .await;
    assert_eq!(
        payload["term"]["faqs"][2],
        json!({"id": faq_ids[1], "question": "B?", "answer": "bee"})
    );
    let reorder = "mutation($input: ReorderFaqsInput!) { reorderFaqs(input: $input) { term { faqs { id } } userErrors { code } } }";
    let new_first = faqs[0]["id"].clone();
    let payload = mutate(
        &app,
        &keys.editor,
        reorder,
        json!({"input": {"termId": id, "faqIds": [faq_ids[1], new_first, faq_ids[0]]}}),
    )
    .await;
    assert_eq!(
        payload["term"]["faqs"],
        json!([{"id": faq_ids[1]}, {"id": new_first}, {"id": faq_ids[0]}])
    );
    let payload = mutate(
        &app,
        &keys.editor,
        reorder,
        json!({"input": {"termId": id, "faqIds": [faq_ids[1]]}}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], "INVALID");
    let remove = "mutation($input: RemoveFaqInput!) { removeFaq(input: $input) { term { faqs { id } } userErrors { code } } }";
    let payload = mutate(
        &app,
        &keys.editor,
        remove,
        json!({"input": {"id": faq_ids[0]}}),
    )
    .await;
    assert_eq!(payload["term"]["faqs"].as_array().unwrap().len(), 2);
    let payload = mutate(
        &app,
        &keys.editor,
        remove,
        json!({"input": {"id": faq_ids[0]}}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn categories_are_created_renamed_and_deleted_and_their_terms_stay() {
    let (app, keys, id) = subject_with_faqs().await;
    let cat = mutate(&app, &keys.editor, CREATE_ROLES, json!({})).await;
    assert_eq!(cat["category"]["name"], "Roles");
    let dup = mutate(&app, &keys.editor, "mutation { createCategory(input: {slug: \"roles\", name: \"Again\"}) { category { id } userErrors { field code } } }", json!({})).await;
    assert_eq!(
        dup["userErrors"],
        json!([{"field": ["input", "slug"], "code": "TAKEN"}])
    );
    set_categories(&app, &keys.editor, &id, &["roles"]).await;
    let cat_id = cat["category"]["id"].clone();
    let renamed = mutate(&app, &keys.editor, "mutation($id: ID!) { updateCategory(input: {id: $id, name: \"People\", description: \"Who does what.\"}) { category { slug name description } userErrors { code } } }", json!({"id": cat_id})).await;
    assert_eq!(
        renamed["category"],
        json!({"slug": "roles", "name": "People", "description": "Who does what."})
    );
    let deleted = mutate(
        &app,
        &keys.admin,
        "mutation($id: ID!) { deleteCategory(input: {id: $id}) { userErrors { code } } }",
        json!({"id": cat_id}),
    )
    .await;
    assert_eq!(deleted["userErrors"], json!([]));
    assert_eq!(
        preview(&app, &keys.editor, "subject").await["categories"],
        json!([])
    );
}

#[tokio::test]
async fn deleting_a_term_checks_its_version_and_removes_links_to_it() {
    let (app, keys, id) = subject_with_faqs().await;
    let other_id =
        app.gql("{ term(slug: \"other\") { id } }", json!({})).await["term"]["id"].clone();
    mutate(
        &app,
        &keys.editor,
        SET_RELATED,
        json!({"input": {"id": other_id, "related": ["subject"]}}),
    )
    .await;
    let delete = "mutation($input: TermVersionInput!) { deleteTerm(input: $input) { deletedTermId userErrors { code } } }";
    let payload = mutate(
        &app,
        &keys.admin,
        delete,
        json!({"input": {"id": id, "expectedVersion": 7}}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], "CONFLICT");
    let payload = mutate(&app, &keys.admin, delete, json!({"input": {"id": id}})).await;
    assert_eq!(payload["deletedTermId"], json!(id));
    assert_eq!(preview(&app, &keys.editor, "subject").await, Value::Null);
    let (_, body) = app
        .post_as(
            Some(&keys.admin),
            "{ term(slug: \"other\", preview: true) { version relatedTerms { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["term"]["version"], 2,
        "other: imported, then setRelatedTerms; losing a link by cascade is no revision"
    );
    assert_eq!(
        body["data"]["term"]["relatedTerms"],
        json!([]),
        "the link to the deleted term went with it"
    );
}

#[tokio::test]
async fn revisions_record_every_change_and_restore() {
    let app = spawn_app().await;
    let keys = editors(&app).await;
    let (id, _) = create(&app, &keys.editor, "history", json!({})).await;
    mutate(
        &app,
        &keys.editor,
        UPDATE,
        json!({"input": {"id": id, "title": "Second title?"}}),
    )
    .await;
    mutate(
        &app,
        &keys.admin,
        UPDATE,
        json!({"input": {"id": id, "title": "Third title?", "name": "History"}}),
    )
    .await;
    let revisions = "query($first: Int, $after: String) { term(slug: \"history\", preview: true) { version revisions(first: $first, after: $after) { totalCount hasNextPage endCursor nodes { id version author change snapshot } } } }";
    let (_, body) = app
        .post_as(Some(&keys.editor), revisions, json!({"first": 2}))
        .await;
    let page = &body["data"]["term"]["revisions"];
    assert_eq!(page["totalCount"], 3, "{body}");
    assert_eq!(page["hasNextPage"], true);
    let nodes = page["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["version"], 3);
    assert_eq!(nodes[0]["author"], "root");
    assert_eq!(nodes[0]["change"], "updateTerm: name, title");
    assert_eq!(nodes[1]["author"], "alice");
    let snapshot: Value = serde_json::from_str(nodes[1]["snapshot"].as_str().unwrap()).unwrap();
    assert_eq!(snapshot["title"], "Second title?");
    let (_, body) = app
        .post_as(
            Some(&keys.editor),
            revisions,
            json!({"first": 2, "after": page["endCursor"]}),
        )
        .await;
    let older = &body["data"]["term"]["revisions"];
    assert_eq!(older["nodes"][0]["change"], "createTerm");
    assert_eq!(older["hasNextPage"], false);

    // Anonymous readers never see revisions.
    let (_, body) = app
        .post(
            "{ terms { nodes { revisions { totalCount } } } }",
            json!({}),
        )
        .await;
    assert!(
        body.get("errors").is_none()
            || body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    );

    let restore = "mutation($input: RestoreTermRevisionInput!) { restoreTermRevision(input: $input) { term { title version } userErrors { code } } }";
    let payload = mutate(
        &app,
        &keys.editor,
        restore,
        json!({"input": {"revisionId": nodes[1]["id"], "expectedVersion": 3}}),
    )
    .await;
    assert_eq!(
        payload["term"],
        json!({"title": "Second title?", "version": 4})
    );
    let (_, body) = app
        .post_as(Some(&keys.editor), revisions, json!({"first": 1}))
        .await;
    assert_eq!(
        body["data"]["term"]["revisions"]["nodes"][0]["change"],
        "restoreTermRevision: version 2"
    );
    let payload = mutate(
        &app,
        &keys.editor,
        restore,
        json!({"input": {"revisionId": "bad"}}),
    )
    .await;
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn auth_matrix_for_every_mutation() {
    let app = spawn_app_with(&pack(&[term_line("t", "T", json!({}))])).await;
    let keys = editors(&app).await;
    let revoked = app.key("gone", Role::Editor).await;
    api_keys::revoke(app.db(), "gone").await.unwrap();
    let id = app.gql("{ term(slug: \"t\") { id } }", json!({})).await["term"]["id"].clone();
    let id = id.as_str().unwrap();
    let mutations = [
        "createTerm(input: {slug: \"m\", name: \"M\", title: \"M?\", definition: \"M.\"}) { userErrors { code } }".to_owned(),
        format!("updateTerm(input: {{id: \"{id}\"}}) {{ userErrors {{ code }} }}"),
        format!("publishTerm(input: {{id: \"{id}\"}}) {{ userErrors {{ code }} }}"),
        format!("unpublishTerm(input: {{id: \"{id}\"}}) {{ userErrors {{ code }} }}"),
        format!("archiveTerm(input: {{id: \"{id}\"}}) {{ userErrors {{ code }} }}"),
        format!(
            "setTermSections(input: {{id: \"{id}\", sections: []}}) {{ userErrors {{ code }} }}"
        ),
        format!(
            "setRelatedTerms(input: {{id: \"{id}\", related: []}}) {{ userErrors {{ code }} }}"
        ),
        format!(
            "setTermCategories(input: {{id: \"{id}\", categories: []}}) {{ userErrors {{ code }} }}"
        ),
        format!("setCallToAction(input: {{id: \"{id}\"}}) {{ userErrors {{ code }} }}"),
        format!(
            "addFaq(input: {{termId: \"{id}\", question: \"Q?\", answer: \"A\"}}) {{ userErrors {{ code }} }}"
        ),
        "updateFaq(input: {id: \"x\"}) { userErrors { code } }".to_owned(),
        "removeFaq(input: {id: \"x\"}) { userErrors { code } }".to_owned(),
        format!("reorderFaqs(input: {{termId: \"{id}\", faqIds: []}}) {{ userErrors {{ code }} }}"),
        "restoreTermRevision(input: {revisionId: \"x\"}) { userErrors { code } }".to_owned(),
        "createCategory(input: {slug: \"c\", name: \"C\"}) { userErrors { code } }".to_owned(),
        "updateCategory(input: {id: \"x\"}) { userErrors { code } }".to_owned(),
        "deleteCategory(input: {id: \"x\"}) { userErrors { code } }".to_owned(),
        format!("deleteTerm(input: {{id: \"{id}\"}}) {{ userErrors {{ code }} }}"),
    ];
    let mut table = Vec::new();
    for mutation in &mutations {
        let name = mutation.split('(').next().unwrap();
        let query = format!("mutation {{ {mutation} }}");
        let (status, body) = app.post(&query, json!({})).await;
        assert_eq!(
            (status, body["errors"][0]["extensions"]["code"].as_str()),
            (200, Some("UNAUTHENTICATED")),
            "anonymous {name}: {body}"
        );
        assert_eq!(body["data"], Value::Null, "anonymous {name}");
        for (who, key) in [("revoked", revoked.as_str()), ("malformed", "Bearer nope")] {
            let (status, body) = app.post_as(Some(key), &query, json!({})).await;
            assert_eq!(
                (status, body["errors"][0]["extensions"]["code"].as_str()),
                (401, Some("UNAUTHENTICATED")),
                "{who} {name}"
            );
        }
        // Deleting is an admin's job; editors archive.
        let admin_only = name.starts_with("delete");
        let (status, body) = app.post_as(Some(&keys.editor), &query, json!({})).await;
        assert_eq!(status, 200, "editor {name}: {body}");
        if admin_only {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "editor {name}"
            );
        } else {
            assert!(body.get("errors").is_none(), "editor {name}: {body}");
            assert!(
                body["data"][name]["userErrors"].is_array(),
                "editor {name}: {body}"
            );
        }
        let (status, body) = app.post_as(Some(&keys.admin), &query, json!({})).await;
        assert_eq!(status, 200, "admin {name}: {body}");
        assert!(body.get("errors").is_none(), "admin {name}: {body}");
        assert!(
            body["data"][name]["userErrors"].is_array(),
            "admin {name}: {body}"
        );
        table.push(name.to_owned());
    }
    println!(
        "auth matrix: {} mutations; anonymous=UNAUTHENTICATED, revoked=401, malformed=401, admin=ok, editor=ok but deleteTerm/deleteCategory=FORBIDDEN",
        table.len()
    );
}

#[tokio::test]
async fn concurrent_editors_never_lose_an_update() {
    let app = spawn_app().await;
    let keys = editors(&app).await;
    let (id, _) = create(&app, &keys.editor, "contested", json!({})).await;
    // 12 editors, each loops: read the version, try to set its own title with expectedVersion.
    let mut tasks = Vec::new();
    for editor in 0..12 {
        let client = app.client.clone();
        let url = format!("{}/graphql", app.address);
        let key = keys.editor.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let mut accepted = Vec::new();
            for attempt in 0..4 {
                let version: Value = client
                    .post(&url)
                    .header("authorization", &key)
                    .json(&json!({"query": "{ term(slug: \"contested\", preview: true) { version } }"}))
                    .send().await.unwrap().json().await.unwrap();
                let version = version["data"]["term"]["version"].as_i64().unwrap();
                let title = format!("Title by editor {editor}, attempt {attempt}?");
                let body: Value = client
                    .post(&url)
                    .header("authorization", &key)
                    .json(&json!({"query": UPDATE, "variables": {"input": {"id": id, "expectedVersion": version, "title": title}}}))
                    .send().await.unwrap().json().await.unwrap();
                let payload = &body["data"]["updateTerm"];
                if payload["userErrors"].as_array().unwrap().is_empty() {
                    accepted.push((payload["term"]["version"].as_i64().unwrap(), title));
                } else {
                    assert_eq!(payload["userErrors"][0]["code"], "CONFLICT", "{body}");
                }
            }
            accepted
        }));
    }
    let mut accepted: Vec<(i64, String)> = Vec::new();
    for task in tasks {
        accepted.extend(task.await.unwrap());
    }
    accepted.sort();
    assert!(!accepted.is_empty());
    // Every accepted change produced its own version, in sequence, and is in the history.
    let versions: Vec<i64> = accepted.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        versions,
        (2..2 + accepted.len() as i64).collect::<Vec<_>>(),
        "no two accepted changes share a version"
    );
    let query = "{ term(slug: \"contested\", preview: true) { title version revisions(first: 100) { nodes { version snapshot } } } }";
    let (_, body) = app.post_as(Some(&keys.editor), query, json!({})).await;
    let term = &body["data"]["term"];
    let revisions = term["revisions"]["nodes"].as_array().unwrap();
    assert_eq!(revisions.len(), accepted.len() + 1);
    for (version, title) in &accepted {
        let revision = revisions
            .iter()
            .find(|r| r["version"] == *version)
            .expect("each accepted change has a revision");
        let snapshot: Value = serde_json::from_str(revision["snapshot"].as_str().unwrap()).unwrap();
        assert_eq!(
            &snapshot["title"], title,
            "revision {version} holds the change that was accepted as it"
        );
    }
    let (last_version, last_title) = accepted.last().unwrap();
    assert_eq!(term["version"], *last_version);
    assert_eq!(
        &term["title"], last_title,
        "the stored term is the last accepted change"
    );
    println!(
        "concurrent editors: {} changes accepted, {} refused with CONFLICT",
        accepted.len(),
        48 - accepted.len()
    );
}
