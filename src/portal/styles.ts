/**
 * The portal's stylesheet: custom properties the host's brand overrides (brand.ts), light and
 * dark, a layout that reflows to a phone's width. Served inline with the response's nonce.
 * @module
 */

/** The stylesheet (brand.ts's custom properties go after it). */
export const PORTAL_CSS = `
:root{--sk-accent:#2f5bd3;--sk-font:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;--sk-radius:8px;--sk-bg:#f7f8fa;--sk-fg:#1b1f24;--sk-muted:#59636e;--sk-card:#fff;--sk-line:#d6dbe1;--sk-ok:#0b7a3b;--sk-okbg:#e6f4ea;--sk-bad:#b3261e;--sk-badbg:#fce8e6;--sk-warn:#8a5300;--sk-warnbg:#fff4e0;--sk-code:#eef1f4;--sk-on-accent:#fff;color-scheme:light}
:root.dark{--sk-accent:#8ab4f8;--sk-bg:#121417;--sk-fg:#e8eaed;--sk-muted:#a7afb8;--sk-card:#1c1f24;--sk-line:#343a42;--sk-ok:#81c995;--sk-okbg:#16301f;--sk-bad:#f28b82;--sk-badbg:#3b1a18;--sk-warn:#fdd663;--sk-warnbg:#3a2e0d;--sk-code:#2a2f36;--sk-on-accent:#111;color-scheme:dark}
@media (prefers-color-scheme:dark){:root.auto{--sk-accent:#8ab4f8;--sk-bg:#121417;--sk-fg:#e8eaed;--sk-muted:#a7afb8;--sk-card:#1c1f24;--sk-line:#343a42;--sk-ok:#81c995;--sk-okbg:#16301f;--sk-bad:#f28b82;--sk-badbg:#3b1a18;--sk-warn:#fdd663;--sk-warnbg:#3a2e0d;--sk-code:#2a2f36;--sk-on-accent:#111;color-scheme:dark}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 var(--sk-font);background:var(--sk-bg);color:var(--sk-fg)}
a{color:var(--sk-accent)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--sk-card);padding:.5rem;z-index:2}
header{display:flex;align-items:center;gap:1rem;flex-wrap:wrap;padding:.8rem 1.5rem;background:var(--sk-card);border-bottom:1px solid var(--sk-line)}
header .brand{display:flex;align-items:center;gap:.6rem;font-weight:600;margin-right:auto;color:inherit;text-decoration:none}
header img{max-height:28px;max-width:140px}
header form{margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0 1.5rem;background:var(--sk-card);border-bottom:1px solid var(--sk-line)}
nav a{display:block;padding:.6rem .8rem;text-decoration:none;color:var(--sk-muted);border-bottom:2px solid transparent}
nav a[aria-current=page]{color:var(--sk-fg);border-bottom-color:var(--sk-accent);font-weight:600}
main{max-width:1040px;margin:0 auto;padding:1.5rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .6rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.card{background:var(--sk-card);border:1px solid var(--sk-line);border-radius:var(--sk-radius);padding:1rem 1.2rem;margin:0 0 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:1rem}
.stat{font-size:1.4rem;font-weight:600}.label{color:var(--sk-muted);font-size:.85rem}
.pill{display:inline-block;padding:.1rem .6rem;border-radius:999px;font-weight:600;font-size:.85rem;background:var(--sk-code)}
.pill.ok{background:var(--sk-okbg);color:var(--sk-ok)}.pill.bad{background:var(--sk-badbg);color:var(--sk-bad)}.pill.warn{background:var(--sk-warnbg);color:var(--sk-warn)}
.note{padding:.7rem 1rem;border-radius:var(--sk-radius);margin:0 0 1rem;border:1px solid var(--sk-line)}
.note.ok{background:var(--sk-okbg);color:var(--sk-ok);border-color:transparent}.note.bad{background:var(--sk-badbg);color:var(--sk-bad);border-color:transparent}.note.warn{background:var(--sk-warnbg);color:var(--sk-warn);border-color:transparent}
code,.secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--sk-code);padding:.1rem .35rem;border-radius:4px;word-break:break-all;font-size:.9em}
.copyrow{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.3rem 0 .8rem}.copyrow code{padding:.45rem .6rem;flex:1 1 240px}
button,.button{font:inherit;padding:.45rem .95rem;border-radius:var(--sk-radius);border:1px solid var(--sk-accent);background:var(--sk-accent);color:var(--sk-on-accent);cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:transparent;color:var(--sk-accent)}
button.danger{background:var(--sk-bad);border-color:var(--sk-bad);color:var(--sk-on-accent)}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--sk-accent);outline-offset:2px}
label{display:block;font-weight:600;margin:.8rem 0 .25rem}
.help{color:var(--sk-muted);font-size:.9rem;margin:.2rem 0 0}
input[type=text],input[type=search],select{font:inherit;padding:.45rem .6rem;border:1px solid var(--sk-line);border-radius:var(--sk-radius);background:var(--sk-card);color:var(--sk-fg);width:100%;max-width:28rem}
.inline{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap}.inline label{margin:0}.inline select,.inline input{width:auto}
fieldset{border:0;padding:0;margin:0}
.idps{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:.6rem}
.idps label{font-weight:500;margin:0;border:1px solid var(--sk-line);border-radius:var(--sk-radius);padding:.7rem;background:var(--sk-card);cursor:pointer}
ol.steps li{margin:.5rem 0}
table{border-collapse:collapse;width:100%;background:var(--sk-card)}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid var(--sk-line);vertical-align:top}
th{font-size:.85rem;color:var(--sk-muted);font-weight:600}
tr.failure td:first-child{border-left:3px solid var(--sk-bad)}
.tablewrap{overflow-x:auto;border:1px solid var(--sk-line);border-radius:var(--sk-radius)}
.muted{color:var(--sk-muted)}.bad{color:var(--sk-bad)}.ok{color:var(--sk-ok)}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
@media (max-width:640px){main{padding:1rem}header,nav ul{padding-left:1rem;padding-right:1rem}th.wide,td.wide{display:none}h1{font-size:1.3rem}
.tablewrap table,.tablewrap tbody,.tablewrap tr,.tablewrap td{display:block}.tablewrap thead{position:absolute;left:-9999px}.tablewrap tr{border-bottom:1px solid var(--sk-line);padding:.4rem 0}.tablewrap td{border:0;padding:.15rem .8rem}.tablewrap td.wide{display:none}}
`;
