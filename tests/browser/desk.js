// The desk in a real browser: Debian's chromium, headless, driven through
// the DevTools protocol by puppeteer-core. An officer logs in, filters the
// list, opens an application, approves it, records SOEHK's acceptance and
// plans the interview, all by clicking the desk's own forms; then the
// ledger is read back (through `packetd show --json`) to see what the
// clicks did. With SHOTS=DIR it also keeps a screenshot of every page.
//   node desk.js URL USER PASSWORD APPLICATION
// Environment: PACKETD (the binary, for show --json and transmit),
// CHROMIUM (default /usr/bin/chromium), SHOTS (a folder, optional).
// Prints TAP lines; exits 1 when a check fails.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const puppeteer = require('puppeteer-core');

const [url, user, password, number] = process.argv.slice(2);
const shots = process.env.SHOTS || '';
let n = 0, failed = 0;
function ok(cond, desc) {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${desc}`);
}
function show(id) {
	return JSON.parse(execFileSync(process.env.PACKETD, ['show', id, '--json'], { encoding: 'utf8' }));
}
async function shot(page, name) {
	if (shots) await page.screenshot({ path: path.join(shots, `desk-${name}.png`), fullPage: true });
}
// Clicks the submit button of the form posting to `action` whose
// hidden fields match, and waits for the page it leads to.
async function submit(page, action, field) {
	const sel = `form[action="${action}"]` + (field ? `:has(input[name="${field}"])` : '');
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`${sel} button[type="submit"]`)]);
}

(async () => {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'packetd-chromium-'));
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		userDataDir: profile,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			'--window-size=1280,900'],
		protocolTimeout: 120000,
	});
	const violations = [];
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(60000);
		await page.setViewport({ width: 1280, height: 900 });
		page.on('console', (m) => {
			if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
		});

		// login
		let resp = await page.goto(`${url}/`, { waitUntil: 'load' });
		ok(page.url() === `${url}/login`, 'without a session the desk shows the login page');
		await shot(page, 'login');
		await page.type('input[name="user"]', user);
		await page.type('input[name="password"]', 'not-the-password');
		await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
		const c1 = await page.content(); ok(c1.includes('Wrong user name or password'), 'a wrong password is refused' + (c1.includes('Wrong') ? '' : ': ' + page.url() + ' ' + c1.slice(0, 600)));
		await page.type('input[name="user"]', user);
		await page.type('input[name="password"]', password);
		resp = (await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]))[0];
		ok(page.url() === `${url}/`, 'login leads to today\'s page');
		const cookies = await page.cookies();
		const sess = cookies.find((c) => c.name === 'packetd_session');
		ok(sess && sess.httpOnly && sess.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
		ok(await page.$('svg') !== null, 'today\'s page has the chart');
		await shot(page, 'today');

		// the list, filtered
		await page.goto(`${url}/applications`, { waitUntil: 'load' });
		const all = await page.$$eval('#applications a', (a) => a.length);
		await shot(page, 'list');
		await page.select('select[name="state"]', 'complete');
		await page.type('input[name="q"]', number);
		await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
		const rows = await page.$$eval('#applications a', (a) => a.map((x) => x.textContent));
		ok(all > 1 && rows.length === 1 && rows[0] === number, `filtering by state and number leaves ${number} alone`);
		ok(page.url().includes('state=complete'), 'the filter is in the address (a link to share)');

		// the application
		await Promise.all([page.waitForNavigation(), page.click(`#applications a[href="/applications/${number}"]`)]);
		ok((await page.$eval('#state', (e) => e.textContent)) === 'complete', 'the application page shows its state');
		ok(await page.$('#checklist a[href^="/files/"]') !== null, 'the checklist links each file by id');
		await shot(page, 'application');

		// approve
		await submit(page, `/applications/${number}/review`, 'approve');
		ok((await page.$eval('#state', (e) => e.textContent)) === 'recommended', 'approving leads back to the application, recommended');
		// the archive for SOEHK is the command's work, then SOEHK accepts on the desk
		execFileSync(process.env.PACKETD, ['transmit', '--out', path.join(profile, 'transmittals')]);
		await page.reload({ waitUntil: 'load' });
		await submit(page, `/applications/${number}/soehk`, 'accept');
		ok((await page.$eval('#state', (e) => e.textContent)) === 'soehk_review', 'SOEHK\'s acceptance recorded');

		// plan the interview: a week ahead, 10:30 in the centre's zone
		const day = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
		const form = `form[action="/applications/${number}/interview"]`;
		await page.$eval(`${form} input[name="at"]`, (e, v) => { e.value = v; }, `${day}T10:30`);
		await page.type(`${form} input[name="place"]`, 'SOEHK 香港湾仔 Room 3');
		await page.$eval(`${form} input[name="minutes"]`, (e) => { e.value = '75'; });
		await shot(page, 'application-forms');
		await submit(page, `/applications/${number}/interview`);
		ok((await page.$eval('#state', (e) => e.textContent)) === 'interview_planned', 'the interview is planned');
		ok((await page.content()).includes('SOEHK 香港湾仔 Room 3'), 'the page shows the plan');
		await shot(page, 'application-planned');

		// the ledger afterwards
		const a = show(number);
		const events = a.history.map((h) => h.event).filter(Boolean);
		ok(a.state === 'interview_planned', 'ledger: interview_planned');
		ok(['review_approve', 'transmit', 'soehk_accept', 'interview'].every((e) => events.includes(e)),
			'ledger: review_approve, transmit, soehk_accept and interview in the history');
		ok(a.history.filter((h) => ['review_approve', 'soehk_accept', 'interview'].includes(h.event))
			.every((h) => h.by === user), `ledger: every desk action by ${user}`);
		ok(a.interview && a.interview.place === 'SOEHK 香港湾仔 Room 3' && a.interview.minutes === 75,
			'ledger: the interview\'s place and length as typed');
		ok(a.interview && a.interview.starts_at === new Date(`${day}T02:30:00Z`).toISOString().replace('.000', ''),
			'ledger: 10:30 in Asia/Shanghai is 02:30 UTC');

		// the other pages, for the record
		for (const p of ['outbox', 'batches']) {
			resp = await page.goto(`${url}/${p}`, { waitUntil: 'load' });
			ok(resp.status() === 200, `/${p} answers`);
			await shot(page, p);
		}
		ok(violations.length === 0, `no Content-Security-Policy violation on any page${violations.length ? ': ' + violations[0] : ''}`);

		// logout
		await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
		ok(page.url() === `${url}/login`, 'logout leads to the login page');
		await page.goto(`${url}/applications/${number}`, { waitUntil: 'load' });
		ok(page.url() === `${url}/login`, 'after logout the application is out of reach');
	} catch (e) {
		ok(false, `browser run: ${e.message}`);
	} finally {
		await browser.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
})();
