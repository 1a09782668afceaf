// A small typed client of the glossary API: queries over fetch, a subscription over graphql-ws, every
// operation and result typed by GraphQL Code Generator from schema.graphql and ../operations.
//
// usage: node dist/main.js http://127.0.0.1:8000/graphql
//        GLOSSARY_API_KEY=Bearer…  lets it make an editorial change and watch the subscription report it
//        GLOSSARY_TRUSTED=1        names every document by its hash (for a server in trusted-documents
//                                  mode, fed the persisted-documents.json that codegen writes)

import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import {
  GlossaryIndexDocument,
  SearchTermsDocument,
  SuggestTermsDocument,
  TermBacklinksDocument,
  TermPageDocument,
  TermUpdatedDocument,
  TermsByLetterDocument,
  UpdateDraftDocument,
  type TermPageQuery,
  type TermUpdatedSubscription,
} from './gql/graphql.js';

/** A GraphQL error as the API sends it: a message and a code. */
interface GraphqlError {
  message: string;
  extensions?: { code?: string };
}

/** Raised when an answer carries errors: their codes say what to do (README, "Error codes"). */
class GraphqlRequestError extends Error {
  constructor(readonly status: number, readonly errors: GraphqlError[]) {
    super(errors.map((e) => `${e.extensions?.code ?? 'UNCODED'}: ${e.message}`).join('; ') || `HTTP ${status}`);
  }
}

/** In trusted-documents mode documents are sent by hash only. */
const trusted = process.env.GLOSSARY_TRUSTED === '1';

/** The SHA-256 (hex) the client preset gives a document (`persistedDocuments: true`, `sha256:<hex>`). */
function hashOf(document: TypedDocumentNode<unknown, never>): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('codegen gave this document no hash (persistedDocuments)');
  return hash.replace(/^sha256:/, '');
}

/** Runs one typed operation over HTTP POST and returns its typed data. */
async function request<TResult, TVariables>(
  url: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  apiKey?: string,
): Promise<TResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  };
  if (apiKey) headers.authorization = apiKey;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(
      trusted
        ? { documentId: `sha256:${hashOf(document as TypedDocumentNode<unknown, never>)}`, variables }
        : { query: print(document), variables },
    ),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphqlError[] };
  if (!response.ok || body.errors?.length || body.data == null) {
    throw new GraphqlRequestError(response.status, body.errors ?? []);
  }
  return body.data;
}

/** Resolves with the first event of a subscription, or rejects after `ms`. */
function firstEvent<TResult, TVariables extends Record<string, unknown>>(
  wsUrl: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  ms: number,
  onStarted: () => Promise<void>,
): Promise<TResult> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  return new Promise<TResult>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no event within ${ms} ms`)), ms);
    let unsubscribe: () => void = () => {};
    const finish = (outcome: Error | TResult) => {
      clearTimeout(timer);
      unsubscribe();
      void client.dispose();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const hash = trusted ? hashOf(document as TypedDocumentNode<unknown, never>) : undefined;
    unsubscribe = client.subscribe<TResult>(
      hash
        ? { query: '', variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }
        : { query: print(document), variables },
      {
        next: (event) => {
          if (event.errors?.length) finish(new Error(JSON.stringify(event.errors)));
          else if (event.data) finish(event.data);
        },
        error: (error) => finish(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => {},
      },
    );
    // The server acknowledges the subscription before it sends events; give it a moment to start.
    client.on('connected', () => {
      setTimeout(() => {
        onStarted().catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
      }, 200);
    });
  });
}

function sectionCount(term: NonNullable<TermPageQuery['term']>): number {
  return term.sections.length;
}

async function main(): Promise<void> {
  const url = process.argv[2] ?? 'http://127.0.0.1:8000/graphql';
  const apiKey = process.env.GLOSSARY_API_KEY;

  const page = await request(url, TermPageDocument, { slug: 'api' });
  if (!page.term) throw new Error('the sample glossary has no term "api"');
  const term = page.term;
  console.log(`TermPage: ${term.name}: "${term.title}", ${sectionCount(term)} sections, ${term.faqs.length} FAQs`);

  const index = await request(url, GlossaryIndexDocument, {});
  const first = index.glossaryIndex[0];
  if (!first) throw new Error('the index is empty');
  const letter = await request(url, TermsByLetterDocument, { letter: first.letter, first: 5 });
  const names = letter.terms.edges.map((edge) => edge.node.name);
  console.log(`TermsByLetter ${first.letter}: ${letter.terms.totalCount} terms, first: ${names.join(', ')}`);

  const suggestions = await request(url, SuggestTermsDocument, { prefix: 'back' });
  console.log(`SuggestTerms back: ${suggestions.suggest.map((term) => term.name).join(', ')}`);
  const found = await request(url, SearchTermsDocument, { query: 'server side' });
  const best = found.search.edges[0]?.node;
  if (!best) throw new Error('searching the sample glossary for "server side" found nothing');
  // The snippet is HTML: matched words in <mark>, the rest escaped, ready for innerHTML.
  console.log(`SearchTerms server side: ${found.search.edges.length} hits, best ${best.term.name}: ${best.snippet}`);

  const linked = await request(url, TermBacklinksDocument, { slug: 'continuous-integration', first: 5 });
  if (!linked.term) throw new Error('the sample glossary has no continuous-integration term');
  const linking = linked.term.backlinks.nodes.map((node) => node.name);
  if (!linking.length) throw new Error('no term links to continuous integration');
  console.log(`TermBacklinks ${linked.term.name}: linked from ${linking.join(', ')}`);

  if (!apiKey) {
    console.log('no GLOSSARY_API_KEY: skipping the subscription');
    return;
  }
  const wsUrl = url.replace(/^http/, 'ws') + '/ws';
  const newTitle = `${term.title} (checked ${new Date().toISOString()})`;
  const event: TermUpdatedSubscription = await firstEvent(wsUrl, TermUpdatedDocument, { slug: 'api' }, 10_000, async () => {
    const changed = await request(url, UpdateDraftDocument, { input: { id: term.id, title: newTitle } }, apiKey);
    if (changed.updateTerm.userErrors.length) {
      throw new Error(`updateTerm refused: ${JSON.stringify(changed.updateTerm.userErrors)}`);
    }
  });
  if (event.termUpdated.title !== newTitle) {
    throw new Error(`the subscription reported "${event.termUpdated.title}", not the new title`);
  }
  console.log(`TermUpdated over graphql-ws: ${event.termUpdated.slug} is now "${event.termUpdated.title}"`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
