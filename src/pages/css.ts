/**
 * The public site's stylesheet, inlined into every page (one request, nothing external).
 * Mobile first; colours come from the account's theme variables (theme.ts).
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
img{max-width:100%;display:block}
a{color:var(--link);text-underline-offset:.15em}
a[href^="tel:"]{white-space:nowrap}
a[href^="mailto:"]{overflow-wrap:anywhere}
h1,h2,h3{line-height:1.2;margin:0 0 .5em}
p{margin:0 0 1em}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.skip{position:absolute;left:.5rem;top:-3rem;z-index:10;background:var(--surface);color:var(--text);padding:.5rem 1rem;border-radius:6px}
.skip:focus{top:.5rem}
.wrap{max-width:1120px;margin:0 auto;padding:0 1.25rem}
.site-header{background:var(--surface);border-bottom:1px solid var(--border)}
.site-header .wrap{display:flex;align-items:center;justify-content:space-between;gap:1rem;min-height:64px}
.brand{display:flex;align-items:center;gap:.75rem;color:var(--text);text-decoration:none;font-weight:700;font-size:1.1rem}
.brand img{max-height:40px;width:auto}
.call{display:inline-flex;align-items:center;gap:.4rem;font-weight:600;text-decoration:none;white-space:nowrap;border:2px solid var(--primary);border-radius:999px;padding:.35rem .9rem;color:var(--link)}
.call:hover{background:var(--soft)}
.hero{background:linear-gradient(135deg,var(--primary-deep),var(--hero-end));color:#fff;padding:2rem 0 2.5rem;--focus:#ffffff}
.hero .wrap{display:grid;gap:1.75rem}
.hero h1{font-size:clamp(1.85rem,5vw,3rem);letter-spacing:-.02em;margin-bottom:.4em}
.lede{font-size:1.1rem;opacity:.95;max-width:38rem}
.points{list-style:none;padding:0;margin:1.25rem 0 0;display:grid;gap:.55rem}
.points li{display:flex;gap:.6rem;align-items:flex-start;font-weight:500}
.points li::before{content:"";flex:none;width:1.25rem;height:1.25rem;margin-top:.15rem;border-radius:50%;background:var(--accent) url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 20'%3E%3Cpath d='M5 10.5l3 3 7-7' fill='none' stroke='%23111' stroke-width='2.4' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E") center/80% no-repeat}
.agent-mini{display:flex;align-items:center;gap:.9rem;margin-top:1.5rem}
.agent-mini .who{font-weight:700}
.agent-mini .sub{font-size:.92rem;opacity:.9}
.avatar{flex:none;width:64px;height:64px;border-radius:50%;object-fit:cover;background:var(--soft);color:var(--primary-deep);display:flex;align-items:center;justify-content:center;font-weight:700;font-size:1.4rem;border:3px solid rgba(255,255,255,.85)}
.avatar.lg{width:96px;height:96px;font-size:2rem;border-color:var(--surface)}
.card{background:var(--surface);color:var(--text);border-radius:16px;box-shadow:0 18px 40px -12px rgba(10,20,40,.35);padding:1.5rem 1.25rem;--focus:var(--primary-deep)}
.card h2{font-size:1.35rem}
.card .intro{color:var(--muted);font-size:.95rem}
form{margin:0}
.field{margin:0 0 1rem}
.row{display:grid;gap:0 .75rem}
.row.compact,.row.cols-3{grid-template-columns:1fr 1fr}
.row.cols-3>:first-child{grid-column:1/-1}
label,.label{display:block;font-weight:600;margin-bottom:.3rem}
.req{color:var(--muted);font-weight:400;font-size:.9em}
.hint{color:var(--muted);font-size:.9rem;margin:-.15rem 0 .35rem}
input[type=text],input[type=email],input[type=tel],input[type=number],select,textarea{display:block;width:100%;font:inherit;color:var(--text);background:var(--surface);border:2px solid var(--border);border-radius:10px;padding:.7rem .8rem;min-height:48px}
textarea{min-height:7rem;resize:vertical}
input:focus,select:focus,textarea:focus{border-color:var(--primary-deep)}
[aria-invalid=true]{border-color:var(--error)!important}
.field-error{color:var(--error);font-weight:600;margin:0 0 .35rem}
.has-error{border-left:4px solid var(--error);padding-left:.75rem}
.check{display:flex;gap:.7rem;align-items:flex-start;margin:0 0 1rem}
.check input{flex:none;width:1.35rem;height:1.35rem;margin:.15rem 0 0;accent-color:var(--primary-deep)}
.check label{font-weight:400;margin:0}
.consent{font-size:.88rem;color:var(--muted)}
.contact-note{font-size:.92rem;color:var(--muted);margin:0 0 .5rem}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.btn{display:block;width:100%;font:inherit;font-weight:700;font-size:1.1rem;border:0;border-radius:10px;padding:.95rem 1.25rem;min-height:52px;cursor:pointer;background:var(--accent);color:var(--on-accent);text-align:center;text-decoration:none}
.btn:hover{background:var(--accent-hover)}
.btn[disabled]{opacity:.7;cursor:progress}
.privacy{font-size:.85rem;color:var(--muted);text-align:center;margin:.75rem 0 0}
.error-summary{border:3px solid var(--error);background:var(--error-bg);border-radius:10px;padding:1rem 1.1rem;margin:0 0 1.25rem}
.error-summary h2{font-size:1.1rem;color:var(--error);margin-bottom:.4rem}
.error-summary ul{margin:0;padding-left:1.2rem}
.error-summary a{color:var(--error);font-weight:600}
.notice{border-left:4px solid var(--primary);background:var(--soft);padding:.8rem 1rem;border-radius:6px;margin:0 0 1.25rem}
section.band{padding:2.5rem 0}
section.band h2{font-size:1.5rem;text-align:center;margin-bottom:1.5rem}
.quotes{list-style:none;margin:0;padding:0;display:grid;gap:1rem}
.quotes figure{margin:0;height:100%;background:var(--surface);border:1px solid var(--border);border-radius:14px;padding:1.25rem;display:flex;flex-direction:column;gap:.75rem}
.quotes blockquote{margin:0;font-size:1.02rem}
.quotes figcaption{margin-top:auto;color:var(--muted);font-size:.92rem}
.quotes figcaption strong{color:var(--text)}
.stars{color:var(--accent);letter-spacing:.1em;font-size:1.05rem}
.agent{background:var(--surface);border-top:1px solid var(--border)}
.agent .wrap{display:flex;flex-wrap:wrap;gap:1.25rem;align-items:center;padding-top:2rem;padding-bottom:2rem}
.agent h2{font-size:1.3rem;margin-bottom:.2rem}
.agent p{margin:.15rem 0;color:var(--muted)}
.agent .bio{color:var(--text);max-width:44rem;margin-top:.6rem}
.site-footer{padding:1.5rem 0 2rem;color:var(--muted);font-size:.85rem;text-align:center}
.site-footer p{margin:.2rem 0}
.plain{max-width:40rem;margin:0 auto;padding:3rem 1.25rem}
.plain .card{padding:2rem 1.5rem}
.plain h1{font-size:clamp(1.6rem,4vw,2.2rem);color:var(--text)}
.check-mark{width:64px;height:64px;border-radius:50%;background:var(--soft);color:var(--primary-deep);display:flex;align-items:center;justify-content:center;margin-bottom:1rem}
.next{margin-top:1.5rem;padding-top:1.25rem;border-top:1px solid var(--border)}
.next .agent-mini{margin-top:0}
.card .avatar{border-color:var(--soft)}
.pages{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.pages a{display:block;padding:1rem 1.1rem;border:2px solid var(--border);border-radius:12px;text-decoration:none;font-weight:600;color:var(--text);background:var(--surface)}
.pages a:hover{border-color:var(--primary)}
@media (min-width:640px){
.row{gap:0 1rem}
.row.cols-2{grid-template-columns:1fr 1fr}
.row.cols-3{grid-template-columns:2fr 1fr 1fr}
.row.cols-3>:first-child{grid-column:auto}
.card{padding:2rem}
.quotes{grid-template-columns:repeat(2,1fr)}
}
@media (min-width:960px){
.hero{padding:4rem 0 4.5rem}
.hero .wrap{grid-template-columns:1.05fr 1fr;grid-template-areas:"copy card" "extras card";grid-template-rows:auto 1fr;gap:1.5rem 3.5rem;align-items:start}
.hero .copy{grid-area:copy;padding-top:1.5rem}
.hero .card{grid-area:card}
.hero .extras{grid-area:extras}
.quotes{grid-template-columns:repeat(3,1fr)}
}
@media (prefers-reduced-motion:no-preference){.btn,.pages a,.call{transition:background-color .15s,border-color .15s}}
`
  .trim()
  .replace(/\n/g, '');
