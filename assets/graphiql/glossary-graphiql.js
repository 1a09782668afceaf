// Starts GraphiQL on /graphiql (loaded after React, ReactDOM and GraphiQL, all served by us). Its
// settings come from the page's JSON block, since the page's Content-Security-Policy runs no inline script.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  var wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';

  // One fetcher per Authorization value in the headers editor: queries and mutations send the editor's
  // headers with each request, and subscriptions send the key in `connection_init`, where the
  // WebSocket endpoint reads it.
  var fetchers = {};
  function fetcherFor(authorization) {
    var key = authorization || '';
    if (!fetchers[key]) {
      fetchers[key] = GraphiQL.createFetcher({
        url: '/graphql',
        subscriptionUrl: wsUrl,
        wsConnectionParams: authorization ? { Authorization: authorization } : {},
      });
    }
    return fetchers[key];
  }
  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    var authorization = headers.Authorization || headers.authorization;
    return fetcherFor(authorization)(params, options);
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      variables: config.variables,
      defaultHeaders: config.defaultHeaders,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'variables',
    })
  );
})();
