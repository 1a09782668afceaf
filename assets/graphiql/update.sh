#!/usr/bin/env bash
# Rebuilds vendor/: the browser builds of GraphiQL, React and ReactDOM at the versions package.json pins,
# which src/http/graphiql.rs embeds in the binary (so /graphiql works with no internet access and under a
# Content-Security-Policy that allows only our own origin). Needs npm only when a pinned version changes:
# run it then and commit vendor/ with the new package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --loglevel=error
rm -rf vendor && mkdir vendor
version() { node -p "require('./node_modules/$1/package.json').version"; }
# Source maps are not shipped: drop the comments that would make browsers ask for them.
strip_map() { sed -E -e 's@//# sourceMappingURL=[^ ]*$@@' -e 's@/\*# sourceMappingURL=[^*]*\*/@@' "$1" > "$2"; }
strip_map node_modules/react/umd/react.production.min.js "vendor/react-$(version react).production.min.js"
strip_map node_modules/react-dom/umd/react-dom.production.min.js "vendor/react-dom-$(version react-dom).production.min.js"
strip_map node_modules/graphiql/graphiql.min.js "vendor/graphiql-$(version graphiql).min.js"
strip_map node_modules/graphiql/graphiql.min.css "vendor/graphiql-$(version graphiql).min.css"
for package in react react-dom graphiql; do
  cp "node_modules/$package/LICENSE" "vendor/LICENSE-$package"
done
ls -l vendor
