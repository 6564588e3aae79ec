// Starts GraphiQL against this gateway's /graphql. Loaded after the React and GraphiQL
// UMD bundles (all same-origin, each with its SRI hash); the page gives the default query.
(function () {
  "use strict";
  var config = JSON.parse(
    document.getElementById("switchboard-graphiql-config").textContent
  );
  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + window.location.pathname,
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
    })
  );
})();
