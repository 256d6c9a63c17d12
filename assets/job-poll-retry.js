// A background job's polls ride out a server restart (issue 16.4).
//
// Dash's renderer (4.4) polls a running job with POST _dash-update-component?...&cacheKey=...; when one
// poll gets no answer at all (the server is restarting), it drops the job without turning its
// "running" state off: Run stays disabled and the page says nothing, for good. So a poll that fails
// on the network is tried again every second for up to RETRY_SECONDS: the restarted server answers
// with the result or says the job was lost (components/jobs.py), and the renderer ends the job as
// usual. If no server answers by then, the poll ends as "no update" (the renderer turns "running"
// off) and the job's status line says what happened.
(function () {
    'use strict';
    const RETRY_SECONDS = 60;
    const plainFetch = window.fetch.bind(window);

    function statusIds(init) {
        try {
            return (JSON.parse(init.body).outputs || []).flat()
                .map(function (o) { return o && o.id; })
                .filter(function (id) { return typeof id === 'string' && id.endsWith('-status'); });
        } catch (err) {
            return [];
        }
    }

    function giveUp(init) {
        statusIds(init).forEach(function (id) {
            window.dash_clientside.set_props(id, {children: {
                type: 'Span', namespace: 'dash_html_components',
                props: {className: 'text-danger pd-job-lost',
                        children: 'The server did not answer for ' + RETRY_SECONDS + ' s, so the job is lost. ' +
                                  'Run it again once the server is back (reload the page if it stays away).'}}});
        });
        return new Response(null, {status: 204});
    }

    window.fetch = function (resource, init) {
        const url = typeof resource === 'string' ? resource : (resource && resource.url) || '';
        if (url.indexOf('_dash-update-component') < 0 || url.indexOf('cacheKey=') < 0) {
            return plainFetch(resource, init);
        }
        const until = Date.now() + RETRY_SECONDS * 1000;
        function attempt() {
            return plainFetch(resource, init).catch(function () {
                if (Date.now() > until) { return giveUp(init); }
                return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(attempt);
            });
        }
        return attempt();
    };
})();
