//! API keys and roles: keys shown once and stored hashed, Bearer authentication, refusal of bad keys, role
//! checks with UNAUTHENTICATED and FORBIDDEN, revocation, and the `api-key` command.

use std::process::Command;

use crate::common::{TestApp, spawn_app};
use entity::api_key;
use glossary::auth::{Role, api_keys};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

async fn key(app: &TestApp, name: &str, role: Role) -> String {
    api_keys::create(app.db(), name, role).await.unwrap().1
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

const VIEWER: &str = "{ viewer { name role } }";
const KEYS: &str = "{ apiKeys { name role lastUsedAt revokedAt } }";

#[tokio::test]
async fn keys_are_shown_once_and_stored_as_hashes() {
    let app = spawn_app().await;
    let secret = key(&app, "alice", Role::Editor).await;
    assert!(secret.starts_with("glsk_") && secret.len() > 60, "{secret}");
    let rows = api_key::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    // The secret is base64url, which has `_` in its alphabet: cut it after the fixed-width lookup id.
    let secret_part = secret
        .strip_prefix(&format!("glsk_{}_", row.lookup_id))
        .unwrap();
    assert!(secret_part.len() >= 43, "{secret_part}");
    assert!(!row.secret_hash.contains(secret_part) && row.secret_hash.len() == 64);
    assert!(secret.contains(&row.lookup_id));
    assert_eq!(row.role, "editor");

    let duplicate = api_keys::create(app.db(), "alice", Role::Admin).await;
    assert!(matches!(
        duplicate,
        Err(glossary::error::Error::BadUserInput { .. })
    ));
}

#[tokio::test]
async fn a_valid_key_names_the_viewer() {
    let app = spawn_app().await;
    let editor = key(&app, "alice", Role::Editor).await;
    let (status, body) = app.post(VIEWER, json!({})).await;
    assert_eq!((status, &body), (200, &json!({"data": {"viewer": null}})));
    let (status, body) = app.post_as(Some(&bearer(&editor)), VIEWER, json!({})).await;
    assert_eq!(
        (status, &body),
        (
            200,
            &json!({"data": {"viewer": {"name": "alice", "role": "EDITOR"}}})
        )
    );
    // The scheme is case-insensitive.
    let (status, _) = app
        .post_as(Some(&format!("bearer {editor}")), VIEWER, json!({}))
        .await;
    assert_eq!(status, 200);
    let rows = api_key::Entity::find().all(app.db()).await.unwrap();
    assert!(rows[0].last_used_at.is_some(), "last use is recorded");
}

#[tokio::test]
async fn bad_keys_are_refused_not_downgraded() {
    let app = spawn_app().await;
    let editor = key(&app, "alice", Role::Editor).await;
    let (lookup, secret) = editor.trim_start_matches("glsk_").split_once('_').unwrap();
    let wrong_secret = format!("glsk_{lookup}_{}x", &secret[..secret.len() - 1]);
    let unknown_lookup = format!("glsk_0000000000000000_{secret}");
    for header in [
        format!("Basic {editor}"),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        "Bearer not-a-key".to_owned(),
        bearer(&wrong_secret),
        bearer(&unknown_lookup),
    ] {
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("content-type", "application/json")
            .header("authorization", &header)
            .json(&json!({"query": VIEWER}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Bearer error="invalid_token""#
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{header}"
        );
        assert!(body.get("data").is_none());
    }

    api_keys::revoke(app.db(), "alice").await.unwrap();
    let (status, body) = app.post_as(Some(&bearer(&editor)), VIEWER, json!({})).await;
    assert_eq!(status, 401, "a revoked key stops working at once");
    assert_eq!(
        body["errors"][0]["message"],
        "invalid API key: unknown or revoked key"
    );
}

#[tokio::test]
async fn roles_gate_fields() {
    let app = spawn_app().await;
    let editor = key(&app, "alice", Role::Editor).await;
    let admin = key(&app, "root", Role::Admin).await;

    let (status, body) = app.post(KEYS, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["path"], json!(["apiKeys"]));

    let (_, body) = app.post_as(Some(&bearer(&editor)), KEYS, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(
        body["errors"][0]["message"],
        "this operation needs the admin role; the key \"alice\" has the editor role"
    );

    let (status, body) = app.post_as(Some(&bearer(&admin)), KEYS, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let keys = body["data"]["apiKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["name"], "alice");
    assert_eq!(keys[0]["role"], "EDITOR");
    assert_eq!(keys[1]["role"], "ADMIN");
    assert!(
        keys[1]["lastUsedAt"].is_string(),
        "the admin key was just used"
    );
    assert_eq!(keys[0]["revokedAt"], Value::Null);
}

#[tokio::test]
async fn the_api_key_command_creates_lists_and_revokes() {
    let app = spawn_app().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_glossary"))
            .env("DATABASE_URL", &app.database_url)
            .args(args)
            .output()
            .unwrap()
    };
    let created = run(&[
        "api-key",
        "create",
        "--name",
        "publisher",
        "--role",
        "editor",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let secret = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("glsk_"));
    assert!(String::from_utf8_lossy(&created.stderr).contains("not shown again"));

    let (status, body) = app.post_as(Some(&bearer(&secret)), VIEWER, json!({})).await;
    assert_eq!(
        (status, body["data"]["viewer"]["name"].clone()),
        (200, json!("publisher"))
    );

    let listed = String::from_utf8(run(&["api-key", "list"]).stdout).unwrap();
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("publisher") && l.contains("editor")),
        "{listed}"
    );
    assert!(
        !listed.contains(&secret[10..]),
        "the list never shows secrets"
    );

    assert!(run(&["api-key", "revoke", "publisher"]).status.success());
    let (status, _) = app.post_as(Some(&bearer(&secret)), VIEWER, json!({})).await;
    assert_eq!(status, 401);
    let unknown = run(&["api-key", "revoke", "nobody"]);
    assert!(!unknown.status.success());
    let bad_role = run(&["api-key", "create", "--name", "x", "--role", "owner"]);
    assert!(!bad_role.status.success());
}

#[tokio::test]
async fn a_failure_to_record_last_use_never_fails_the_request() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let secret = key(&app, "alice", Role::Editor).await;
    // Every update of a key now fails in the database, as on a read-only replica.
    let refuse_updates = if crate::common::on_postgres() {
        vec![
            "CREATE FUNCTION refuse_update() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'read-only'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER read_only BEFORE UPDATE ON api_key FOR EACH ROW EXECUTE FUNCTION refuse_update()",
        ]
    } else {
        vec![
            "CREATE TRIGGER read_only BEFORE UPDATE ON api_key BEGIN SELECT RAISE(ABORT, 'read-only'); END",
        ]
    };
    for statement in refuse_updates {
        app.db().execute_unprepared(statement).await.unwrap();
    }
    let (status, body) = app.post_as(Some(&bearer(&secret)), VIEWER, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["viewer"]["name"], "alice", "{body}");
    let row = api_key::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_used_at, None);
}
