// Uploads in the browser: refuse files over the limit, and send the others raw (components/upload.py).
//
// dcc.Upload (Dash 4.4) reads a chosen or dropped file into a base64 data URL and posts it inside the
// callback's JSON: for a 10.6 MB prices file that is 14 MB encoded, sent and decoded again, about half
// a second before the server starts reading. And a file over the server's body limit got a 413 shown
// nowhere, while dcc.Upload's own max_size drops the file without any callback firing. So this listens
// before React does (capture phase on window), on the boxes of components.upload.upload_box (their
// data-max-bytes, data-status-id, data-upload-id and data-multiple), and stops the event:
//  - a file larger than the box's limit is refused with the server's words (decode_upload's message)
//    in the box's status line, never read nor sent;
//  - the others are posted one by one, as they are, to the desk's upload route, which answers a token;
//    the box's dcc.Upload then gets contents "pd-upload:<token>" and the file name through
//    dash_clientside.set_props, and the page's callback fires as for any upload.
// A box without data-upload-id (or a browser without fetch) keeps dcc.Upload's own path.
(function () {
    'use strict';
    const ROUTE = '_desk-upload';

    function status(box, text, className) {
        window.dash_clientside.set_props(box.dataset.statusId, {
            children: {type: 'Span', namespace: 'dash_html_components', props: {children: text, className: className}}
        });
    }

    function route() {
        let prefix = '/';
        try {
            prefix = JSON.parse(document.getElementById('_dash-config').textContent).requests_pathname_prefix || '/';
        } catch (e) { /* the default prefix */ }
        return prefix + ROUTE;
    }

    function post(file) {
        return fetch(route(), {
            method: 'POST', body: file, credentials: 'same-origin',
            headers: {'Content-Type': 'application/octet-stream', 'X-Portfolio-Desk-Upload': '1',
                      'X-Filename': encodeURIComponent(file.name)}
        }).then(function (resp) {
            return resp.json().catch(function () { return {}; }).then(function (body) {
                if (!resp.ok || !body.token) {
                    throw new Error(body.error || (file.name + ' could not be sent (HTTP ' + resp.status +
                                                   '). Try uploading it again.'));
                }
                return body.token;
            });
        });
    }

    function handle(event, files) {
        const box = event.target && event.target.closest ? event.target.closest('[data-max-bytes]') : null;
        if (!box || !files || !files.length) { return; }
        const list = Array.from(files);
        const raw = box.dataset.uploadId && window.fetch;
        const limit = Number(box.dataset.maxBytes);
        const big = list.filter(function (f) { return f.size > limit; });
        if (!big.length && !raw) { return; }
        event.stopPropagation();
        event.preventDefault();
        if (event.type === 'change') { event.target.value = ''; }  // the same file can be chosen again
        if (event.type === 'drop') {  // react-dropzone saw the drag start: let it see it end
            event.target.dispatchEvent(new DragEvent('dragleave', {bubbles: true}));
        }
        if (big.length) {
            status(box, 'Not loaded: ' + big.map(function (f) {
                return f.name + ' is ' + (f.size / 1e6).toFixed(1) + ' MB; the limit is ' + (limit / 1e6).toFixed(0) +
                    ' MB.';
            }).join(' ') + ' Split the file or upload fewer dates or tickers.', 'text-danger pd-upload-refused');
            return;
        }
        const names = list.map(function (f) { return f.name; });
        status(box, 'Sending ' + names.join(', ') + '...', 'text-body-secondary pd-upload-sending');
        Promise.all(list.map(post)).then(function (tokens) {
            const many = box.dataset.multiple === '1';
            window.dash_clientside.set_props(box.dataset.uploadId, {
                contents: many ? tokens : tokens[0],
                filename: many ? names : names[0],
                last_modified: many ? list.map(function (f) { return f.lastModified; }) : list[0].lastModified
            });
        }).catch(function (err) {
            status(box, 'Not loaded: ' + err.message, 'text-danger pd-upload-refused');
        });
    }

    window.addEventListener('change', function (e) {
        if (e.target && e.target.type === 'file') { handle(e, e.target.files); }
    }, true);
    window.addEventListener('drop', function (e) { handle(e, e.dataTransfer && e.dataTransfer.files); }, true);
})();
