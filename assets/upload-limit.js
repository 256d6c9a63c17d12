// Files over the upload limit are refused in the browser, before they are read (issue 16.5).
//
// dcc.Upload (Dash 4.4) reads a dropped or chosen file into a base64 data URL and posts it: a file
// over the server's body limit got a 413 that the renderer shows nowhere (the dev-tools panel only),
// and dcc.Upload's own max_size drops the file without any property or callback firing. So this
// listens before React does (capture phase on window), and for a file larger than the limit that its
// box declares (components/upload.py: data-max-bytes, data-status-id) stops the event, so the file is
// never read nor sent, and writes the same message the server gives (components.upload.decode_upload)
// into the box's status line with dash_clientside.set_props.
(function () {
    'use strict';
    function refuse(event, files) {
        const box = event.target && event.target.closest ? event.target.closest('[data-max-bytes]') : null;
        if (!box || !files || !files.length) { return; }
        const limit = Number(box.dataset.maxBytes);
        const big = Array.from(files).filter(function (f) { return f.size > limit; });
        if (!big.length) { return; }
        event.stopPropagation();
        event.preventDefault();
        if (event.type === 'change') { event.target.value = ''; }  // the same file can be chosen again
        const text = big.map(function (f) {
            return f.name + ' is ' + (f.size / 1e6).toFixed(1) + ' MB; the limit is ' + (limit / 1e6).toFixed(0) +
                ' MB.';
        }).join(' ') + ' Split the file or upload fewer dates or tickers.';
        window.dash_clientside.set_props(box.dataset.statusId, {
            children: {type: 'Span', namespace: 'dash_html_components',
                       props: {children: 'Not loaded: ' + text, className: 'text-danger pd-upload-refused'}}
        });
    }
    window.addEventListener('change', function (e) {
        if (e.target && e.target.type === 'file') { refuse(e, e.target.files); }
    }, true);
    window.addEventListener('drop', function (e) { refuse(e, e.dataTransfer && e.dataTransfer.files); }, true);
})();
