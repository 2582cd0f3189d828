<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id" sourcelanguage="en">
<context>
    <name>AboutPage</name>
    <message>
        <source>development copy</source>
        <translation>salinan pengembangan</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Versi</translation>
    </message>
    <message>
        <source>End-to-end encrypted chat. This copy runs on these components:</source>
        <translation>Obrolan terenkripsi ujung ke ujung. Salinan ini berjalan dengan komponen berikut:</translation>
    </message>
    <message>
        <source>Component</source>
        <translation>Komponen</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>Lisensi</translation>
    </message>
    <message>
        <source>Components and their licences</source>
        <translation>Komponen dan lisensinya</translation>
    </message>
    <message>
        <source>Qt is used under the GNU Lesser General Public License version 3, and SQLCipher under its BSD licence; every component keeps its own licence, as listed above.</source>
        <translation>Qt digunakan di bawah GNU Lesser General Public License versi 3, dan SQLCipher di bawah lisensi BSD-nya; setiap komponen tetap memakai lisensinya sendiri, seperti tercantum di atas.</translation>
    </message>
    <message>
        <source>%1 (in %2)</source>
        <translation>%1 (dalam %2)</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>dalam %1</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>tidak disebutkan</translation>
    </message>
</context>
<context>
    <name>AccountChoice</name>
    <message>
        <source>Create a new account</source>
        <extracomment>``finished`` result of the sign-up dialog when the user chose to link an existing account. ``finished`` result of the sign-up dialog when the user chose to restore a backup.</extracomment>
        <translation>Buat akun baru</translation>
    </message>
    <message>
        <source>Link to an existing account</source>
        <translation>Tautkan ke akun yang sudah ada</translation>
    </message>
    <message>
        <source>Use the account you already have on another computer here too</source>
        <translation>Gunakan juga di sini akun yang sudah Anda miliki di komputer lain</translation>
    </message>
</context>
<context>
    <name>AccountPage</name>
    <message>
        <source>Account</source>
        <translation>Akun</translation>
    </message>
    <message>
        <source>https://relay.example.org</source>
        <translation>https://relai.contoh.id</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <source>A new relay address is used from the next unlock.</source>
        <translation>Alamat relai baru dipakai mulai buka kunci berikutnya.</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nama pengguna</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relai</translation>
    </message>
    <message>
        <source>Change password…</source>
        <extracomment>Our name and picture, as contacts see them (``profile_section.py``).</extracomment>
        <translation>Ganti kata sandi…</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>Kunci pemulihan baru…</translation>
    </message>
    <message>
        <source>Delete account and data…</source>
        <translation>Hapus akun dan data…</translation>
    </message>
    <message>
        <source>Back up…</source>
        <translation>Cadangkan…</translation>
    </message>
    <message>
        <source>Relay address</source>
        <translation>Alamat relai</translation>
    </message>
    <message>
        <source>Save the relay address</source>
        <translation>Simpan alamat relai</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>Ganti kata sandi</translation>
    </message>
    <message>
        <source>New recovery key</source>
        <translation>Kunci pemulihan baru</translation>
    </message>
    <message>
        <source>Delete account and data</source>
        <translation>Hapus akun dan data</translation>
    </message>
    <message>
        <source>Back up your messages</source>
        <translation>Cadangkan pesan Anda</translation>
    </message>
    <message>
        <source>The relay that passes on your encrypted messages; used from the next unlock</source>
        <translation>Relai yang meneruskan pesan terenkripsi Anda; dipakai mulai buka kunci berikutnya</translation>
    </message>
    <message>
        <source>Makes a new recovery key; the old one stops working</source>
        <translation>Membuat kunci pemulihan baru; kunci lama tidak berlaku lagi</translation>
    </message>
    <message>
        <source>The password that opens your messages on this computer.</source>
        <translation>Kata sandi yang membuka pesan Anda di komputer ini.</translation>
    </message>
    <message>
        <source>The key that opens your account if you forget the password. The app never keeps it, so it can only make a new one: the old key stops working.</source>
        <translation>Kunci yang membuka akun Anda jika Anda lupa kata sandi. Aplikasi tidak pernah menyimpannya, jadi hanya dapat membuat yang baru: kunci lama tidak berlaku lagi.</translation>
    </message>
    <message>
        <source>Saves every message, file and contact into one file encrypted with a passphrase, to restore on a new computer.</source>
        <translation>Menyimpan setiap pesan, berkas, dan kontak ke dalam satu berkas yang dienkripsi dengan frasa sandi, untuk dipulihkan di komputer baru.</translation>
    </message>
    <message>
        <source>Deletes your account on the relay and every message on this computer, for good.</source>
        <translation>Menghapus akun Anda di relai dan semua pesan di komputer ini, untuk selamanya.</translation>
    </message>
    <message>
        <source>Saved. The app uses this relay from the next unlock.</source>
        <translation>Tersimpan. Aplikasi memakai relai ini mulai buka kunci berikutnya.</translation>
    </message>
    <message>
        <source>Enter your current password first.</source>
        <translation>Masukkan kata sandi Anda saat ini terlebih dahulu.</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Lanjut</translation>
    </message>
    <message>
        <source>Password changed</source>
        <translation>Kata sandi diganti</translation>
    </message>
    <message>
        <source>Your new password opens this profile from now on.</source>
        <translation>Kata sandi baru Anda membuka profil ini mulai sekarang.</translation>
    </message>
    <message>
        <source>Enter your password to make a new recovery key. Your current recovery key stops working.</source>
        <translation>Masukkan kata sandi untuk membuat kunci pemulihan baru. Kunci pemulihan Anda saat ini tidak berlaku lagi.</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>Buat kunci baru</translation>
    </message>
    <message>
        <source>Backup saved</source>
        <translation>Cadangan tersimpan</translation>
    </message>
    <message>
        <source>This deletes your account on the relay and every message, contact and key on this computer. It cannot be undone. If the relay cannot be reached, nothing is deleted.</source>
        <translation>Ini menghapus akun Anda di relai serta semua pesan, kontak, dan kunci di komputer ini. Tindakan ini tidak dapat dibatalkan. Jika relai tidak dapat dihubungi, tidak ada yang dihapus.</translation>
    </message>
    <message>
        <source>Delete for good</source>
        <translation>Hapus selamanya</translation>
    </message>
    <message>
        <source>I understand that my account and messages are deleted for good</source>
        <translation>Saya mengerti bahwa akun dan pesan saya dihapus untuk selamanya</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <source>chat_desktop is already running</source>
        <extracomment>The modules of the unlocked window, loaded while the first dialog waits for the user. Loaded once the window has painted (so that the first opening is quick), not before: the settings window and its licence list are not needed to show the conversation. The relay link starts this long after the window shows, so that the network stack loads after the window&apos;s first paint (benchmarks/ui.py); sending works offline meanwhile. Lock after this long without keyboard or mouse input, until the account&apos;s setting is read. How long after the window shows the background upkeep (database check, snapshot) starts. The settings window&apos;s &quot;Appearance&quot; section (shown again after a language change). The message that this computer was unlinked, while it is shown. The tray icon and the notifications, while a window is open. The call windows of the unlocked account (ringing, in call), while a window is open. The caller&apos;s notifier, or None: the desktop&apos;s own, made with the first window. The user&apos;s &quot;keep running in the tray when the window is closed&quot;. Where crash reports go, if the user opts in: the build&apos;s or deployment&apos;s choice.</extracomment>
        <translation>chat_desktop sudah berjalan</translation>
    </message>
    <message>
        <source>Not everything was erased</source>
        <translation>Tidak semuanya terhapus</translation>
    </message>
    <message>
        <source>Some files of this computer&apos;s profile folder stayed behind: delete the folder by hand.</source>
        <translation>Beberapa berkas folder profil komputer ini masih tertinggal: hapus folder itu secara manual.</translation>
    </message>
    <message>
        <source>chat_desktop is still running in the tray. To quit, choose Quit in its menu or press Ctrl+Q.</source>
        <translation>chat_desktop masih berjalan di baki sistem. Untuk keluar, pilih Keluar di menunya atau tekan Ctrl+Q.</translation>
    </message>
    <message>
        <source>Could not restore the snapshot</source>
        <translation>Cuplikan tidak dapat dipulihkan</translation>
    </message>
</context>
<context>
    <name>AppearancePage</name>
    <message>
        <source>Follow the system</source>
        <translation>Ikuti sistem</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Terang</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Gelap</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Tampilan</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Tema</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>Ukuran teks</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <source>Changes apply at once, to the unlock window too.</source>
        <translation>Perubahan langsung berlaku, juga untuk jendela buka kunci.</translation>
    </message>
</context>
<context>
    <name>AttachmentPreviewDialog</name>
    <message>
        <source>Send a file</source>
        <extracomment>The side of a thumbnail in the dialog (logical pixels). Qt refuses to decode an image needing more than this (MiB) for a thumbnail.</extracomment>
        <translation>Kirim berkas</translation>
    </message>
    <message>
        <source>Send %1 files</source>
        <translation>Kirim %1 berkas</translation>
    </message>
    <message>
        <source>This file cannot be read; it will not be sent.</source>
        <translation>Berkas ini tidak dapat dibaca; berkas tidak akan dikirim.</translation>
    </message>
    <message>
        <source>%1: too large to send (the limit is %2); it will not be sent.</source>
        <translation>%1: terlalu besar untuk dikirim (batasnya %2); berkas tidak akan dikirim.</translation>
    </message>
    <message>
        <source>Files to send</source>
        <translation>Berkas yang akan dikirim</translation>
    </message>
    <message>
        <source>Add a caption (optional)</source>
        <translation>Tambahkan keterangan (opsional)</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>Keterangan</translation>
    </message>
    <message>
        <source>Text sent with the first file; Enter sends</source>
        <translation>Teks yang dikirim bersama berkas pertama; Enter mengirim</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Kirim</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
</context>
<context>
    <name>BackupDialog</name>
    <message>
        <source>Back up your messages</source>
        <extracomment>The file name the save chooser suggests.</extracomment>
        <translation>Cadangkan pesan Anda</translation>
    </message>
    <message>
        <source>Saves every message, file, contact and setting into one file, encrypted with a passphrase you choose now. Keep the passphrase safe: without it nobody, not even you, can open the backup. Restore it on a new computer from the start screen.</source>
        <translation>Menyimpan setiap pesan, berkas, kontak, dan pengaturan ke dalam satu berkas, dienkripsi dengan frasa sandi yang Anda pilih sekarang. Simpan frasa sandi itu baik-baik: tanpanya tidak seorang pun, termasuk Anda, dapat membuka cadangan ini. Pulihkan di komputer baru dari layar awal.</translation>
    </message>
    <message>
        <source>Choose where to save the backup</source>
        <translation>Pilih tempat menyimpan cadangan</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Pilih…</translation>
    </message>
    <message>
        <source>Use this passphrase anyway</source>
        <translation>Tetap gunakan frasa sandi ini</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Back up</source>
        <translation>Cadangkan</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Berkas cadangan</translation>
    </message>
    <message>
        <source>Backup passphrase</source>
        <translation>Frasa sandi cadangan</translation>
    </message>
    <message>
        <source>Confirm backup passphrase</source>
        <translation>Ulangi frasa sandi cadangan</translation>
    </message>
    <message>
        <source>Backup progress</source>
        <translation>Kemajuan pencadangan</translation>
    </message>
    <message>
        <source>A new passphrase that only opens this backup; not your password</source>
        <translation>Frasa sandi baru yang hanya membuka cadangan ini; bukan kata sandi Anda</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Frasa sandi</translation>
    </message>
    <message>
        <source>Confirm passphrase</source>
        <translation>Ulangi frasa sandi</translation>
    </message>
    <message>
        <source>Save the backup</source>
        <translation>Simpan cadangan</translation>
    </message>
    <message>
        <source>Choose where to save the backup.</source>
        <translation>Pilih tempat menyimpan cadangan.</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>Kedua frasa sandi berbeda.</translation>
    </message>
    <message>
        <source>That folder does not exist.</source>
        <translation>Folder itu tidak ada.</translation>
    </message>
    <message>
        <source>This passphrase is easy to guess. Choose another, or use it anyway.</source>
        <translation>Frasa sandi ini mudah ditebak. Pilih yang lain, atau tetap gunakan.</translation>
    </message>
    <message>
        <source>%1 of %2 messages</source>
        <translation>%1 dari %2 pesan</translation>
    </message>
    <message>
        <source>The backup is saved (%1).</source>
        <translation>Cadangan tersimpan (%1).</translation>
    </message>
</context>
<context>
    <name>BackupTexts</name>
    <message>
        <source>That passphrase does not open this backup. Nothing was restored.</source>
        <extracomment>``translate(&quot;BackupTexts&quot;, …)`` spelled so that ``pyside6-lupdate`` finds every text.</extracomment>
        <translation>Frasa sandi itu tidak membuka cadangan ini. Tidak ada yang dipulihkan.</translation>
    </message>
    <message>
        <source>This file is not a complete, unaltered backup: it was damaged, cut short or changed. Nothing was restored.</source>
        <translation>Berkas ini bukan cadangan yang utuh dan asli: berkas rusak, terpotong, atau diubah. Tidak ada yang dipulihkan.</translation>
    </message>
    <message>
        <source>This backup was made by another version of the app and cannot be read here. Nothing was restored.</source>
        <translation>Cadangan ini dibuat oleh versi aplikasi lain dan tidak dapat dibaca di sini. Tidak ada yang dipulihkan.</translation>
    </message>
    <message>
        <source>This computer already has a profile; a backup is restored only into a new one.</source>
        <translation>Komputer ini sudah memiliki profil; cadangan hanya dipulihkan ke profil baru.</translation>
    </message>
    <message>
        <source>The restore was cancelled. Nothing was restored.</source>
        <translation>Pemulihan dibatalkan. Tidak ada yang dipulihkan.</translation>
    </message>
    <message>
        <source>Some of your messages or files could not be read, so no backup was made. Try again; if it persists, restart the app.</source>
        <translation>Sebagian pesan atau berkas Anda tidak dapat dibaca, jadi cadangan tidak dibuat. Coba lagi; jika masih terjadi, mulai ulang aplikasi.</translation>
    </message>
    <message>
        <source>The file could not be read or written (%1). Nothing was changed.</source>
        <translation>Berkas tidak dapat dibaca atau ditulis (%1). Tidak ada yang diubah.</translation>
    </message>
</context>
<context>
    <name>BlockedBanner</name>
    <message>
        <source>Unblock</source>
        <translation>Buka blokir</translation>
    </message>
    <message>
        <source>Unblock this contact</source>
        <translation>Buka blokir kontak ini</translation>
    </message>
    <message>
        <source>You blocked %1. You get nothing from them and cannot write to them until you unblock them.</source>
        <translation>Anda memblokir %1. Anda tidak menerima apa pun darinya dan tidak dapat menulis kepadanya sampai Anda membuka blokirnya.</translation>
    </message>
</context>
<context>
    <name>BlockedContactsDialog</name>
    <message>
        <source>Blocked contacts</source>
        <translation>Kontak yang diblokir</translation>
    </message>
    <message>
        <source>Nothing a blocked contact sends reaches you, and they are not told.</source>
        <translation>Tidak ada kiriman kontak yang diblokir yang sampai kepada Anda, dan mereka tidak diberi tahu.</translation>
    </message>
    <message>
        <source>Nobody is blocked.</source>
        <translation>Tidak ada yang diblokir.</translation>
    </message>
    <message>
        <source>Unblock</source>
        <translation>Buka blokir</translation>
    </message>
    <message>
        <source>Unblock the selected contact</source>
        <translation>Buka blokir kontak yang dipilih</translation>
    </message>
    <message>
        <source>Could not do that</source>
        <translation>Tidak dapat melakukannya</translation>
    </message>
</context>
<context>
    <name>CallController</name>
    <message>
        <source>Call ended</source>
        <extracomment>Reasons an ended call is worth a word only when we placed it (the callee knows already). Reasons worth a word whoever called. The devices chosen in Settings (microphone, speaker, camera; &quot;&quot; = default), read again before each call starts or is accepted.</extracomment>
        <translation>Panggilan berakhir</translation>
    </message>
</context>
<context>
    <name>Calls</name>
    <message>
        <source>Incoming video call</source>
        <extracomment>``translate(&quot;Calls&quot;, …)`` spelled out at each call, so ``pyside6-lupdate`` finds it.</extracomment>
        <translation>Panggilan video masuk</translation>
    </message>
    <message>
        <source>Incoming voice call</source>
        <translation>Panggilan suara masuk</translation>
    </message>
    <message>
        <source>Ringing…</source>
        <translation>Berdering…</translation>
    </message>
    <message>
        <source>Answering…</source>
        <translation>Menjawab…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Menghubungkan…</translation>
    </message>
    <message>
        <source>Call ended</source>
        <translation>Panggilan berakhir</translation>
    </message>
    <message>
        <source>%1 is in another call. Try again later.</source>
        <translation>%1 sedang dalam panggilan lain. Coba lagi nanti.</translation>
    </message>
    <message>
        <source>%1 declined the call.</source>
        <translation>%1 menolak panggilan.</translation>
    </message>
    <message>
        <source>%1 did not answer.</source>
        <translation>%1 tidak menjawab.</translation>
    </message>
    <message>
        <source>The call with %1 could not be connected or was cut off.</source>
        <translation>Panggilan dengan %1 tidak dapat tersambung atau terputus.</translation>
    </message>
    <message>
        <source>%1&apos;s app refused the call. Compare your safety numbers, then try again.</source>
        <translation>Aplikasi %1 menolak panggilan. Bandingkan nomor keamanan kalian, lalu coba lagi.</translation>
    </message>
    <message>
        <source>The call with %1 ended: a device stopped working.</source>
        <translation>Panggilan dengan %1 berakhir: sebuah perangkat berhenti berfungsi.</translation>
    </message>
    <message>
        <source>No microphone found. Connect one, or choose another in Settings, Calls.</source>
        <translation>Mikrofon tidak ditemukan. Sambungkan mikrofon, atau pilih yang lain di Pengaturan, Panggilan.</translation>
    </message>
    <message>
        <source>The microphone is being used by another program. Close it and try again.</source>
        <translation>Mikrofon sedang digunakan program lain. Tutup program itu lalu coba lagi.</translation>
    </message>
    <message>
        <source>The microphone stopped working.</source>
        <translation>Mikrofon berhenti berfungsi.</translation>
    </message>
    <message>
        <source>No speakers or headphones found. Connect some, or choose others in Settings, Calls.</source>
        <translation>Speaker atau headphone tidak ditemukan. Sambungkan, atau pilih yang lain di Pengaturan, Panggilan.</translation>
    </message>
    <message>
        <source>The speakers are being used by another program. Close it and try again.</source>
        <translation>Speaker sedang digunakan program lain. Tutup program itu lalu coba lagi.</translation>
    </message>
    <message>
        <source>The speakers stopped working.</source>
        <translation>Speaker berhenti berfungsi.</translation>
    </message>
    <message>
        <source>No camera found. Connect one, or make a voice call instead.</source>
        <translation>Kamera tidak ditemukan. Sambungkan kamera, atau lakukan panggilan suara saja.</translation>
    </message>
    <message>
        <source>The camera is being used by another program. Close it and try again.</source>
        <translation>Kamera sedang digunakan program lain. Tutup program itu lalu coba lagi.</translation>
    </message>
    <message>
        <source>The camera stopped working.</source>
        <translation>Kamera berhenti berfungsi.</translation>
    </message>
    <message>
        <source>You are already in a call. Hang up first.</source>
        <translation>Anda sedang dalam panggilan. Akhiri dulu panggilan itu.</translation>
    </message>
    <message>
        <source>You can only call a contact you have accepted, who is not blocked and whose safety number has not just changed.</source>
        <translation>Anda hanya dapat memanggil kontak yang sudah Anda terima, tidak diblokir, dan nomor keamanannya tidak baru saja berubah.</translation>
    </message>
    <message>
        <source>Cannot call</source>
        <translation>Tidak dapat memanggil</translation>
    </message>
</context>
<context>
    <name>CallsPage</name>
    <message>
        <source>Calls</source>
        <extracomment>The preference of each list.</extracomment>
        <translation>Panggilan</translation>
    </message>
    <message>
        <source>Microphone for calls</source>
        <translation>Mikrofon untuk panggilan</translation>
    </message>
    <message>
        <source>Speakers for calls</source>
        <translation>Speaker untuk panggilan</translation>
    </message>
    <message>
        <source>Camera for video calls</source>
        <translation>Kamera untuk panggilan video</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <source>Speakers</source>
        <translation>Speaker</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>Changes apply from the next call.</source>
        <translation>Perubahan berlaku mulai panggilan berikutnya.</translation>
    </message>
    <message>
        <source>No microphone found.</source>
        <extracomment>One line per kind of device this computer lacks (each hidden while it has one).</extracomment>
        <translation>Mikrofon tidak ditemukan.</translation>
    </message>
    <message>
        <source>No speakers found.</source>
        <translation>Speaker tidak ditemukan.</translation>
    </message>
    <message>
        <source>No camera found.</source>
        <translation>Kamera tidak ditemukan.</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Bawaan sistem</translation>
    </message>
    <message>
        <source>%1 (not found)</source>
        <translation>%1 (tidak ditemukan)</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Write a message…</source>
        <translation>Tulis pesan…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Pesan</translation>
    </message>
    <message>
        <source>Enter sends the message; Shift+Enter starts a new line.</source>
        <translation>Enter mengirim pesan; Shift+Enter membuat baris baru.</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line</source>
        <translation>Enter mengirim, Shift+Enter membuat baris baru</translation>
    </message>
    <message>
        <source>Send a file or an image</source>
        <translation>Kirim berkas atau gambar</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>Lampirkan berkas</translation>
    </message>
    <message>
        <source>Insert an emoji</source>
        <translation>Sisipkan emoji</translation>
    </message>
    <message>
        <source>Emoji</source>
        <translation>Emoji</translation>
    </message>
    <message>
        <source>Opens the emoji picker</source>
        <translation>Membuka pemilih emoji</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Kirim (Enter)</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Kirim</translation>
    </message>
    <message>
        <source>Sends the message you typed</source>
        <translation>Mengirim pesan yang Anda ketik</translation>
    </message>
    <message>
        <source>Replying to %1</source>
        <extracomment>The microphone button and recording bar (voice_recorder.py). Where recent emoji are kept (``client.preferences``; None: no &quot;Recent&quot; row). The emoji picker last opened (tests look at it).</extracomment>
        <translation>Membalas %1</translation>
    </message>
    <message>
        <source>Cancel reply</source>
        <translation>Batalkan balasan</translation>
    </message>
    <message>
        <source>Editing message</source>
        <translation>Menyunting pesan</translation>
    </message>
    <message>
        <source>Cancel editing</source>
        <translation>Batalkan penyuntingan</translation>
    </message>
    <message>
        <source>Send files</source>
        <translation>Kirim berkas</translation>
    </message>
</context>
<context>
    <name>ComposerContextBar</name>
    <message>
        <source>Cancel</source>
        <extracomment>&quot;Typing&quot; is re-sent at most this often while the user keeps typing. &quot;Stopped typing&quot; after this long without a keystroke. The attach and send icons, in line heights of the composer&apos;s font (they grow with the text). The emoji button&apos;s padding, in line heights (the attach button&apos;s, as the theme sets it). Characters of the replied-to message shown in the reply bar. Whether Esc is ours (cancels the reply or edit) rather than the window&apos;s. The ``:name`` emoji suggestions. Misspelled words underlined, corrections in the context menu. The context menu last opened (tests look at it).</extracomment>
        <translation>Batal</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Message could not be decrypted</source>
        <extracomment>A file name in a preview (and a notification) is elided in the middle beyond this. ``translate(&quot;ConversationList&quot;, …)`` spelled out at each call, so ``pyside6-lupdate`` finds every text.</extracomment>
        <translation>Pesan tidak dapat didekripsi</translation>
    </message>
    <message>
        <source>Photo: %1</source>
        <translation>Foto: %1</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Voice note</source>
        <translation>Pesan suara</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>You: %1</source>
        <translation>Anda: %1</translation>
    </message>
    <message>
        <source>%1 unread</source>
        <translation>%1 belum dibaca</translation>
    </message>
    <message>
        <source>marked unread</source>
        <translation>ditandai belum dibaca</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>dibisukan</translation>
    </message>
    <message>
        <source>pinned</source>
        <translation>disematkan</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>terverifikasi</translation>
    </message>
    <message>
        <source>disappearing messages on</source>
        <translation>pesan sementara aktif</translation>
    </message>
    <message>
        <source>online</source>
        <translation>daring</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Note to Self</source>
        <extracomment>Contacts&apos; round profile pictures (``gui/common/avatars.py``). Our own username: its conversation is the Note to Self.</extracomment>
        <translation>Catatan untuk Diri Sendiri</translation>
    </message>
    <message>
        <source>Draft:</source>
        <translation>Draf:</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>menyambung…</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Obrolan baru</translation>
    </message>
    <message>
        <source>Start a conversation (Ctrl+N)</source>
        <translation>Mulai percakapan (Ctrl+N)</translation>
    </message>
    <message>
        <source>New group</source>
        <translation>Grup baru</translation>
    </message>
    <message>
        <source>Start a group (Ctrl+Shift+N)</source>
        <translation>Mulai grup (Ctrl+Shift+N)</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Percakapan</translation>
    </message>
    <message>
        <source>Archived conversations</source>
        <translation>Percakapan yang diarsipkan</translation>
    </message>
    <message>
        <source>Arrow keys open a conversation; the menu key shows what you can do with it</source>
        <translation>Tombol panah membuka percakapan; tombol menu menampilkan tindakan yang bisa dilakukan</translation>
    </message>
    <message>
        <source>Back to chats</source>
        <extracomment>The last context menu opened (tests trigger its actions).</extracomment>
        <translation>Kembali ke obrolan</translation>
    </message>
    <message>
        <source>Archived (%1)</source>
        <translation>Diarsipkan (%1)</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>Tandai sudah dibaca</translation>
    </message>
    <message>
        <source>Mark as unread</source>
        <translation>Tandai belum dibaca</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Bunyikan</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Bisukan</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>Lepas sematan</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>Sematkan</translation>
    </message>
    <message>
        <source>Unarchive</source>
        <translation>Keluarkan dari arsip</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Arsipkan</translation>
    </message>
    <message>
        <source>Block…</source>
        <translation>Blokir…</translation>
    </message>
    <message>
        <source>Delete conversation…</source>
        <translation>Hapus percakapan…</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Off</source>
        <extracomment>The disappearing-timer choices offered (label, seconds), then &quot;Custom…&quot;.</extracomment>
        <translation>Mati</translation>
    </message>
    <message>
        <source>30 seconds</source>
        <extracomment>The header&apos;s timer choices, worded the same way in the notes (same context, same source).</extracomment>
        <translation>30 detik</translation>
    </message>
    <message>
        <source>5 minutes</source>
        <translation>5 menit</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 jam</translation>
    </message>
    <message>
        <source>8 hours</source>
        <translation>8 jam</translation>
    </message>
    <message>
        <source>1 day</source>
        <extracomment>A duration the presets lack, in its largest whole unit: seconds per unit, &quot;one&quot;, &quot;several&quot; (the header&apos;s words for such a timer, same context, same source).</extracomment>
        <translation>1 hari</translation>
    </message>
    <message>
        <source>1 week</source>
        <translation>1 minggu</translation>
    </message>
    <message>
        <source>4 weeks</source>
        <translation>4 minggu</translation>
    </message>
    <message>
        <source>Find in this chat (Ctrl+Shift+F)</source>
        <translation>Cari di obrolan ini (Ctrl+Shift+F)</translation>
    </message>
    <message>
        <source>Members</source>
        <extracomment>A group&apos;s &quot;Members&quot; page (shown for groups only, instead of the safety number).</extracomment>
        <translation>Anggota</translation>
    </message>
    <message>
        <source>Group members</source>
        <translation>Anggota grup</translation>
    </message>
    <message>
        <source>Voice call</source>
        <extracomment>Voice and video calls (disabled where no call is possible: :meth:`allow_calls`).</extracomment>
        <translation>Panggilan suara</translation>
    </message>
    <message>
        <source>Video call</source>
        <translation>Panggilan video</translation>
    </message>
    <message>
        <source>Find in this chat</source>
        <translation>Cari di obrolan ini</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1 hari</translation>
    </message>
    <message>
        <source>%1 hours</source>
        <translation>%1 jam</translation>
    </message>
    <message>
        <source>1 minute</source>
        <translation>1 menit</translation>
    </message>
    <message>
        <source>%1 minutes</source>
        <translation>%1 menit</translation>
    </message>
    <message>
        <source>Verified: you compared the safety number with this contact</source>
        <extracomment>The timer menu&apos;s last item: a number and a unit (:class:`CustomTimerDialog`). The contact&apos;s round profile picture (hidden when it has none).</extracomment>
        <translation>Terverifikasi: Anda sudah membandingkan nomor keamanan dengan kontak ini</translation>
    </message>
    <message>
        <source>Verified contact</source>
        <translation>Kontak terverifikasi</translation>
    </message>
    <message>
        <source>Disappearing messages</source>
        <translation>Pesan sementara</translation>
    </message>
    <message>
        <source>Custom…</source>
        <translation>Khusus…</translation>
    </message>
    <message>
        <source>Safety number</source>
        <translation>Nomor keamanan</translation>
    </message>
    <message>
        <source>Accept new key</source>
        <extracomment>The last popup or dialog opened from a message (tests and the walk look at it). The custom-timer dialog last opened (tests look at it).</extracomment>
        <translation>Terima kunci baru</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Pesan</translation>
    </message>
    <message>
        <source>How long new messages in this conversation stay before they disappear</source>
        <translation>Berapa lama pesan baru di percakapan ini bertahan sebelum menghilang</translation>
    </message>
    <message>
        <source>Note to Self</source>
        <extracomment>The link preview card of the message being written (opt-in, link_preview_bar.py). Shown instead of the composer while messages are picked. The last forward dialog opened (tests look at it). Recording, sending and playing voice notes (voice_notes_pane.py).</extracomment>
        <translation>Catatan untuk Diri Sendiri</translation>
    </message>
    <message>
        <source>online</source>
        <translation>daring</translation>
    </message>
    <message>
        <source>last seen %1</source>
        <translation>terakhir dilihat %1</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>luring</translation>
    </message>
    <message>
        <source>yourself</source>
        <translation>diri Anda sendiri</translation>
    </message>
    <message>
        <source>Attachment</source>
        <translation>Lampiran</translation>
    </message>
    <message>
        <source>Delete for everyone</source>
        <translation>Hapus untuk semua orang</translation>
    </message>
    <message>
        <source>Delete this message for everyone? %1 will see that a message was deleted.</source>
        <translation>Hapus pesan ini untuk semua orang? %1 akan melihat bahwa sebuah pesan telah dihapus.</translation>
    </message>
    <message>
        <source>Delete for me</source>
        <translation>Hapus untuk saya</translation>
    </message>
    <message>
        <source>Delete this message from this device? %1 still has it.</source>
        <translation>Hapus pesan ini dari perangkat ini? %1 tetap memilikinya.</translation>
    </message>
    <message>
        <source>Open</source>
        <extracomment>Supplied by the pane built on this class. Decrypt-and-decode jobs, a few at a time, rows on screen first. Opens a file in the desktop&apos;s application for its type. The last dialog or window opened for a file (tests and the walk look at it).</extracomment>
        <translation>Buka</translation>
    </message>
    <message>
        <source>No application could open this file. Save it and open it from there.</source>
        <translation>Tidak ada aplikasi yang dapat membuka berkas ini. Simpan lalu buka dari sana.</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>Simpan sebagai</translation>
    </message>
    <message>
        <source>There is no safety number with %1 yet: exchange a message first.</source>
        <translation>Belum ada nomor keamanan dengan %1: bertukar pesan dulu.</translation>
    </message>
    <message>
        <source>typing…</source>
        <translation>mengetik…</translation>
    </message>
    <message>
        <source>Could not do that</source>
        <translation>Tidak dapat melakukannya</translation>
    </message>
</context>
<context>
    <name>CreateAccountDialog</name>
    <message>
        <source>Create your account</source>
        <translation>Buat akun Anda</translation>
    </message>
    <message>
        <source>3–32 of a-z, 0-9, _ and .</source>
        <translation>3–32 dari a-z, 0-9, _ dan .</translation>
    </message>
    <message>
        <source>Use this password anyway</source>
        <translation>Tetap gunakan kata sandi ini</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Buat akun</translation>
    </message>
    <message>
        <source>Restore from a backup…</source>
        <translation>Pulihkan dari cadangan…</translation>
    </message>
    <message>
        <source>Restore from a backup</source>
        <translation>Pulihkan dari cadangan</translation>
    </message>
    <message>
        <source>Your messages are encrypted on this computer with a key protected by this password. Nobody, not even the relay, can reset it for you.</source>
        <translation>Pesan Anda dienkripsi di komputer ini dengan kunci yang dilindungi kata sandi ini. Tidak ada yang bisa mengatur ulang kata sandi untuk Anda, termasuk relai.</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nama pengguna</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relai</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <source>Confirm password</source>
        <translation>Ulangi kata sandi</translation>
    </message>
    <message>
        <source>Relay address</source>
        <translation>Alamat relai</translation>
    </message>
    <message>
        <source>The address of the relay that passes on your encrypted messages</source>
        <translation>Alamat relai yang meneruskan pesan terenkripsi Anda</translation>
    </message>
    <message>
        <source>Usernames are stored in lower case: %1</source>
        <translation>Nama pengguna disimpan dalam huruf kecil: %1</translation>
    </message>
    <message>
        <source>Enter a username and the relay&apos;s address.</source>
        <translation>Masukkan nama pengguna dan alamat relai.</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>Kedua kata sandi berbeda.</translation>
    </message>
    <message>
        <source>This password is easy to guess. Choose another, or use it anyway.</source>
        <translation>Kata sandi ini mudah ditebak. Pilih yang lain, atau tetap gunakan.</translation>
    </message>
    <message>
        <source>This username is taken: choose another.</source>
        <translation>Nama pengguna ini sudah dipakai: pilih yang lain.</translation>
    </message>
    <message>
        <source>The relay is busy: try again in a minute.</source>
        <translation>Relai sedang sibuk: coba lagi sebentar lagi.</translation>
    </message>
    <message>
        <source>The relay refused the account (%1).</source>
        <translation>Relai menolak akun ini (%1).</translation>
    </message>
    <message>
        <source>The relay could not be reached. Check its address and your network.</source>
        <translation>Relai tidak dapat dihubungi. Periksa alamatnya dan jaringan Anda.</translation>
    </message>
</context>
<context>
    <name>CustomTimerDialog</name>
    <message>
        <source>weeks</source>
        <extracomment>The units offered, largest first: seconds per unit and the unit&apos;s name (the number is in its own box, so the name is the plural form).</extracomment>
        <translation>minggu</translation>
    </message>
    <message>
        <source>days</source>
        <translation>hari</translation>
    </message>
    <message>
        <source>hours</source>
        <translation>jam</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>menit</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>detik</translation>
    </message>
    <message>
        <source>Disappearing messages</source>
        <translation>Pesan sementara</translation>
    </message>
    <message>
        <source>New messages in this conversation disappear after:</source>
        <translation>Pesan baru di percakapan ini hilang setelah:</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Jumlah</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Satuan</translation>
    </message>
    <message>
        <source>At most one year.</source>
        <translation>Paling lama satu tahun.</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>Atur</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <source>%1 — chat_desktop demo</source>
        <extracomment>The two demo accounts, in window order (left, right). The first messages, so both conversations exist when the windows open. Longest wait for the relay link or for a greeting to arrive before the demo gives up. The signals that end the demo cleanly instead of killing it mid-write.</extracomment>
        <translation>%1 — demo chat_desktop</translation>
    </message>
</context>
<context>
    <name>DeviceNotices</name>
    <message>
        <source>A new device was linked: %1</source>
        <extracomment>The history progress notice while it shows (new device). Each progress text the notice showed, in order (tests check it).</extracomment>
        <translation>Perangkat baru telah ditautkan: %1</translation>
    </message>
    <message>
        <source>a device without a name</source>
        <translation>perangkat tanpa nama</translation>
    </message>
    <message>
        <source>New device</source>
        <translation>Perangkat baru</translation>
    </message>
    <message>
        <source>It can read the messages you receive from now on. If you did not link it, remove it in Settings, Devices.</source>
        <translation>Perangkat itu dapat membaca pesan yang Anda terima mulai sekarang. Jika bukan Anda yang menautkannya, hapus perangkat itu di Pengaturan, Perangkat.</translation>
    </message>
    <message>
        <source>Removed device listed again</source>
        <translation>Perangkat yang dihapus terdaftar lagi</translation>
    </message>
    <message>
        <source>The server lists a device again that was removed from your account.</source>
        <translation>Server kembali mencantumkan perangkat yang sudah dihapus dari akun Anda.</translation>
    </message>
    <message>
        <source>It gets nothing from this device and nothing it sends is taken.</source>
        <translation>Perangkat itu tidak menerima apa pun dari perangkat ini, dan apa pun yang dikirimnya tidak diterima.</translation>
    </message>
    <message>
        <source>Message history not imported</source>
        <translation>Riwayat pesan tidak diimpor</translation>
    </message>
    <message>
        <source>The message history sent from your other device could not be imported.</source>
        <translation>Riwayat pesan yang dikirim dari perangkat Anda yang lain tidak dapat diimpor.</translation>
    </message>
    <message>
        <source>It may have expired or been damaged on the way. This device is linked and works; only the earlier messages are missing.</source>
        <translation>Riwayat itu mungkin sudah kedaluwarsa atau rusak dalam perjalanan. Perangkat ini sudah tertaut dan berfungsi; hanya pesan-pesan sebelumnya yang tidak ada.</translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <source>Devices</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <source>Every device linked to your account gets your messages. Each one has its own password; unlinking a device locks it out at once.</source>
        <translation>Setiap perangkat yang tertaut ke akun Anda menerima pesan Anda. Masing-masing punya kata sandinya sendiri; memutus tautan sebuah perangkat langsung menguncinya di luar.</translation>
    </message>
    <message>
        <source>Loading your devices…</source>
        <translation>Memuat perangkat Anda…</translation>
    </message>
    <message>
        <source>Link a new device…</source>
        <translation>Tautkan perangkat baru…</translation>
    </message>
    <message>
        <source>Link a new device</source>
        <translation>Tautkan perangkat baru</translation>
    </message>
    <message>
        <source>The list of devices needs the relay. It appears once the app is connected.</source>
        <extracomment>The devices shown, by id order. Each device&apos;s Unlink button, by device id. Reading the list from the relay (an error is shown on the page, not raised).</extracomment>
        <translation>Daftar perangkat memerlukan relai. Daftar ini muncul setelah aplikasi terhubung.</translation>
    </message>
    <message>
        <source>Unnamed device</source>
        <translation>Perangkat tanpa nama</translation>
    </message>
    <message>
        <source>Added %1</source>
        <translation>Ditambahkan %1</translation>
    </message>
    <message>
        <source>This device · %1</source>
        <translation>Perangkat ini · %1</translation>
    </message>
    <message>
        <source>%1 · last seen %2</source>
        <translation>%1 · terakhir terlihat %2</translation>
    </message>
    <message>
        <source>Unlink…</source>
        <translation>Putuskan tautan…</translation>
    </message>
    <message>
        <source>Unlink this device</source>
        <translation>Putuskan tautan perangkat ini</translation>
    </message>
    <message>
        <source>Unlink %1</source>
        <translation>Putuskan tautan %1</translation>
    </message>
    <message>
        <source>Your only device: to remove it, delete the account (Account section).</source>
        <translation>Satu-satunya perangkat Anda: untuk menghapusnya, hapus akun (bagian Akun).</translation>
    </message>
    <message>
        <source>Unlink this computer?</source>
        <translation>Putuskan tautan komputer ini?</translation>
    </message>
    <message>
        <source>This computer stops getting your messages at once and cannot connect to your account again. Your other devices keep working.</source>
        <translation>Komputer ini langsung berhenti menerima pesan Anda dan tidak dapat terhubung lagi ke akun Anda. Perangkat Anda yang lain tetap berfungsi.</translation>
    </message>
    <message>
        <source>Unlink %1?</source>
        <translation>Putuskan tautan %1?</translation>
    </message>
    <message>
        <source>%1 stops getting your messages at once and cannot connect to your account again. To use it again, link it anew.</source>
        <translation>%1 langsung berhenti menerima pesan Anda dan tidak dapat terhubung lagi ke akun Anda. Untuk memakainya lagi, tautkan kembali.</translation>
    </message>
    <message>
        <source>Not unlinked</source>
        <translation>Tautan tidak diputus</translation>
    </message>
</context>
<context>
    <name>EmojiCompletion</name>
    <message>
        <source>Emoji suggestions</source>
        <extracomment>The emoji a completion list offers at most. ``:`` then 2+ name characters, right before the cursor, not inside a word. The role holding a suggestion&apos;s emoji. The suggestion list (the completer&apos;s popup).</extracomment>
        <translation>Saran emoji</translation>
    </message>
</context>
<context>
    <name>EmojiPicker</name>
    <message>
        <source>Default skin tone</source>
        <extracomment>The colour emoji font (package fonts-noto-color-emoji). Emoji per row of the grids. Rows of the main grid shown at once (it scrolls). The role holding a cell&apos;s emoji (tone applied), what a pick inserts. The raised hand, shown in each skin tone on the tone buttons. What a screen reader says for each tone button (default first, then lightest to darkest).</extracomment>
        <translation>Warna kulit bawaan</translation>
    </message>
    <message>
        <source>Light skin tone</source>
        <translation>Warna kulit terang</translation>
    </message>
    <message>
        <source>Medium-light skin tone</source>
        <translation>Warna kulit sedang-terang</translation>
    </message>
    <message>
        <source>Medium skin tone</source>
        <translation>Warna kulit sedang</translation>
    </message>
    <message>
        <source>Medium-dark skin tone</source>
        <translation>Warna kulit sedang-gelap</translation>
    </message>
    <message>
        <source>Dark skin tone</source>
        <translation>Warna kulit gelap</translation>
    </message>
    <message>
        <source>Emoji</source>
        <translation>Emoji</translation>
    </message>
    <message>
        <source>Search emoji</source>
        <translation>Cari emoji</translation>
    </message>
    <message>
        <source>Skin tone</source>
        <translation>Warna kulit</translation>
    </message>
    <message>
        <source>Recent</source>
        <translation>Terbaru</translation>
    </message>
    <message>
        <source>Recent emoji</source>
        <translation>Emoji terbaru</translation>
    </message>
    <message>
        <source>All emoji</source>
        <translation>Semua emoji</translation>
    </message>
    <message>
        <source>No emoji found</source>
        <translation>Emoji tidak ditemukan</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Hasil</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <source>it is not turned on</source>
        <extracomment>``translate(&quot;ErrorText&quot;, …)`` spelled so that ``pyside6-lupdate`` finds every text.</extracomment>
        <translation>fitur ini belum dinyalakan</translation>
    </message>
    <message>
        <source>no system keychain is available</source>
        <translation>tidak ada gantungan kunci sistem</translation>
    </message>
    <message>
        <source>the keychain is locked</source>
        <translation>gantungan kunci terkunci</translation>
    </message>
    <message>
        <source>the keychain no longer holds the key</source>
        <translation>gantungan kunci tidak lagi menyimpan kuncinya</translation>
    </message>
    <message>
        <source>the key in the keychain was changed</source>
        <translation>kunci di gantungan kunci telah berubah</translation>
    </message>
    <message>
        <source>The relay is busy: try again in a minute.</source>
        <translation>Relai sedang sibuk: coba lagi sebentar lagi.</translation>
    </message>
    <message>
        <source>This username is taken: choose another.</source>
        <translation>Nama pengguna ini sudah dipakai: pilih yang lain.</translation>
    </message>
    <message>
        <source>This is too large for the relay.</source>
        <translation>Ini terlalu besar untuk relai.</translation>
    </message>
    <message>
        <source>The relay does not know this.</source>
        <translation>Relai tidak mengenal ini.</translation>
    </message>
    <message>
        <source>Wrong password. Try again in %1 s.</source>
        <translation>Kata sandi salah. Coba lagi dalam %1 dtk.</translation>
    </message>
    <message>
        <source>Too many wrong passwords. Try again in %1 s.</source>
        <translation>Terlalu banyak kata sandi salah. Coba lagi dalam %1 dtk.</translation>
    </message>
    <message>
        <source>That recovery key does not open this profile.</source>
        <translation>Kunci pemulihan itu tidak membuka profil ini.</translation>
    </message>
    <message>
        <source>The password needs at least %1 characters.</source>
        <translation>Kata sandi memerlukan paling sedikit %1 karakter.</translation>
    </message>
    <message>
        <source>This password is easy to guess (%1). Choose another, or use it anyway.</source>
        <translation>Kata sandi ini mudah ditebak (%1). Pilih yang lain, atau tetap gunakan.</translation>
    </message>
    <message>
        <source>System keychain unlock is not possible (%1); use the password.</source>
        <translation>Membuka dengan gantungan kunci sistem tidak mungkin (%1); gunakan kata sandi.</translation>
    </message>
    <message>
        <source>The message database is damaged. Nothing was deleted.</source>
        <translation>Basis data pesan rusak. Tidak ada yang dihapus.</translation>
    </message>
    <message>
        <source>This profile is already open in another window or program.</source>
        <translation>Profil ini sudah terbuka di jendela atau program lain.</translation>
    </message>
    <message>
        <source>This file was damaged on this computer and cannot be opened.</source>
        <translation>Berkas ini rusak di komputer ini dan tidak dapat dibuka.</translation>
    </message>
    <message>
        <source>The relay has no user of that name. Check the spelling.</source>
        <translation>Relai tidak memiliki pengguna dengan nama itu. Periksa ejaannya.</translation>
    </message>
    <message>
        <source>The relay did not delete the account, so nothing was deleted on this computer either. Check your connection and try again.</source>
        <translation>Relai tidak menghapus akun, jadi tidak ada yang dihapus di komputer ini juga. Periksa sambungan Anda dan coba lagi.</translation>
    </message>
    <message>
        <source>The account is deleted, but some files of the profile folder stayed behind: delete the folder by hand.</source>
        <translation>Akun sudah dihapus, tetapi beberapa berkas di folder profil tertinggal: hapus folder itu secara manual.</translation>
    </message>
    <message>
        <source>This is not a link code for your relay. Copy the whole code the new computer shows; both computers must use the same relay.</source>
        <translation>Ini bukan kode tautan untuk relai Anda. Salin seluruh kode yang ditampilkan komputer baru; kedua komputer harus memakai relai yang sama.</translation>
    </message>
    <message>
        <source>The link code expired, or what arrived for it could not be opened. Make a new code and try again.</source>
        <translation>Kode tautan kedaluwarsa, atau data yang tiba untuknya tidak dapat dibuka. Buat kode baru dan coba lagi.</translation>
    </message>
    <message>
        <source>The relay could not be reached. Check its address and your network.</source>
        <translation>Relai tidak dapat dihubungi. Periksa alamatnya dan jaringan Anda.</translation>
    </message>
    <message>
        <source>This account has the most devices allowed (%1). Unlink one on your other device (in Settings, under Devices), then make a new code.</source>
        <translation>Akun ini sudah memiliki jumlah perangkat maksimum (%1). Putuskan tautan salah satunya di perangkat Anda yang lain (di Pengaturan, bagian Perangkat), lalu buat kode baru.</translation>
    </message>
    <message>
        <source>This is your account&apos;s only device. To remove it, delete the account instead (in Settings, under Account).</source>
        <translation>Ini satu-satunya perangkat akun Anda. Untuk menghapusnya, hapus akunnya saja (di Pengaturan, bagian Akun).</translation>
    </message>
    <message>
        <source>The relay refused this link: it is too old. Make a new code.</source>
        <translation>Relai menolak tautan ini: sudah terlalu lama. Buat kode baru.</translation>
    </message>
    <message>
        <source>This link code has expired. Make a new one on the new computer.</source>
        <translation>Kode tautan ini sudah kedaluwarsa. Buat kode baru di komputer baru.</translation>
    </message>
    <message>
        <source>This link code was used already. Make a new one on the new computer.</source>
        <translation>Kode tautan ini sudah pernah dipakai. Buat kode baru di komputer baru.</translation>
    </message>
    <message>
        <source>Your message history is too large to send. Link without it, or delete large files first.</source>
        <translation>Riwayat pesan Anda terlalu besar untuk dikirim. Tautkan tanpa riwayat, atau hapus dulu berkas-berkas besar.</translation>
    </message>
    <message>
        <source>This device was unlinked already.</source>
        <translation>Tautan perangkat ini sudah diputus.</translation>
    </message>
</context>
<context>
    <name>FileOpening</name>
    <message>
        <source>This file could run a program on your computer, so chat_desktop won&apos;t open it. Save it and open it yourself only if you trust it.</source>
        <extracomment>What the notice says (English; shown translated).</extracomment>
        <translation>Berkas ini dapat menjalankan program di komputer Anda, jadi chat_desktop tidak akan membukanya. Simpan lalu buka sendiri hanya jika Anda memercayainya.</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <source>Find in this chat</source>
        <extracomment>Wait this long after the last keystroke before searching (ms). Matches found at most in one chat (the newest ones).</extracomment>
        <translation>Cari di obrolan ini</translation>
    </message>
    <message>
        <source>Older match (Enter)</source>
        <translation>Hasil lebih lama (Enter)</translation>
    </message>
    <message>
        <source>Newer match (Shift+Enter)</source>
        <translation>Hasil lebih baru (Shift+Enter)</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>Tutup (Esc)</translation>
    </message>
    <message>
        <source>Words to find in this chat</source>
        <translation>Kata yang dicari di obrolan ini</translation>
    </message>
    <message>
        <source>Older match</source>
        <translation>Hasil lebih lama</translation>
    </message>
    <message>
        <source>Newer match</source>
        <translation>Hasil lebih baru</translation>
    </message>
    <message>
        <source>Close find</source>
        <translation>Tutup pencarian</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>Tidak ada hasil</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 dari %2</translation>
    </message>
</context>
<context>
    <name>ForwardDialog</name>
    <message>
        <source>Forward</source>
        <extracomment>Chats one forward goes to at most (the engine&apos;s bound). A chat row&apos;s username or group id (its text is the name shown).</extracomment>
        <translation>Teruskan</translation>
    </message>
    <message numerus="yes">
        <source>Forward %n message(s) to:</source>
        <translation>
            <numerusform>Teruskan %n pesan ke:</numerusform>
        </translation>
    </message>
    <message>
        <source>Search chats</source>
        <translation>Cari obrolan</translation>
    </message>
    <message>
        <source>Chats to forward to</source>
        <translation>Obrolan tujuan</translation>
    </message>
</context>
<context>
    <name>GroupConversation</name>
    <message>
        <source>1 member</source>
        <extracomment>``translate(&quot;GroupConversation&quot;, …)`` at each call: ``pyside6-lupdate`` finds them.</extracomment>
        <translation>1 anggota</translation>
    </message>
    <message>
        <source>%1 members</source>
        <translation>%1 anggota</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 sedang mengetik…</translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation>%1 dan %2 sedang mengetik…</translation>
    </message>
    <message>
        <source>%1 people are typing…</source>
        <translation>%1 orang sedang mengetik…</translation>
    </message>
    <message>
        <source>Delete for me</source>
        <extracomment>The members typing in the open group, in the order they started.</extracomment>
        <translation>Hapus untuk saya</translation>
    </message>
    <message>
        <source>Delete this message from this device? The other members still have it.</source>
        <translation>Hapus pesan ini dari perangkat ini? Anggota lain masih memilikinya.</translation>
    </message>
    <message>
        <source>Delete for everyone</source>
        <translation>Hapus untuk semua orang</translation>
    </message>
    <message>
        <source>Delete this message for everyone in the group?</source>
        <translation>Hapus pesan ini untuk semua orang di grup?</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Grup</translation>
    </message>
</context>
<context>
    <name>GroupMembers</name>
    <message>
        <source>You are no longer a member of this group.</source>
        <extracomment>The username of a member row. Spelled out as ``translate(&quot;GroupMembers&quot;, …)`` at each call: ``pyside6-lupdate`` finds them.</extracomment>
        <translation>Anda bukan lagi anggota grup ini.</translation>
    </message>
    <message>
        <source>The group was not changed: only an admin can change it.</source>
        <translation>Grup tidak diubah: hanya admin yang dapat mengubahnya.</translation>
    </message>
    <message>
        <source>This picture cannot be used as the group&apos;s picture.</source>
        <translation>Gambar ini tidak dapat dipakai sebagai gambar grup.</translation>
    </message>
    <message>
        <source>The picture could not be uploaded. Check the connection and try again.</source>
        <translation>Gambar tidak dapat diunggah. Periksa koneksi lalu coba lagi.</translation>
    </message>
    <message>
        <source>you</source>
        <translation>Anda</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>admin</translation>
    </message>
    <message>
        <source>Add members</source>
        <translation>Tambah anggota</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Tambah</translation>
    </message>
    <message>
        <source>Add the checked contacts</source>
        <translation>Tambahkan kontak yang dicentang</translation>
    </message>
    <message>
        <source>Rename</source>
        <extracomment>The last &quot;Add members&quot; dialog and &quot;Leave&quot; question opened (tests look at them).</extracomment>
        <translation>Ubah nama</translation>
    </message>
    <message>
        <source>Add members…</source>
        <translation>Tambah anggota…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Keluarkan</translation>
    </message>
    <message>
        <source>Make admin</source>
        <translation>Jadikan admin</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>Keluar dari grup</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Nama grup</translation>
    </message>
    <message>
        <source>Rename the group</source>
        <translation>Ubah nama grup</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Anggota</translation>
    </message>
    <message>
        <source>Remove the selected member</source>
        <translation>Keluarkan anggota yang dipilih</translation>
    </message>
    <message>
        <source>Make the selected member an admin</source>
        <translation>Jadikan anggota yang dipilih admin</translation>
    </message>
    <message>
        <source>Members of %1</source>
        <translation>Anggota %1</translation>
    </message>
    <message>
        <source>1 member</source>
        <translation>1 anggota</translation>
    </message>
    <message>
        <source>%1 members</source>
        <translation>%1 anggota</translation>
    </message>
    <message>
        <source>Leave “%1”? You will no longer get its messages.</source>
        <translation>Keluar dari “%1”? Anda tidak akan menerima pesannya lagi.</translation>
    </message>
</context>
<context>
    <name>GroupMessageInfo</name>
    <message>
        <source>read %1</source>
        <extracomment>Spelled out as ``translate(&quot;GroupMessageInfo&quot;, …)`` at each call: ``pyside6-lupdate`` finds them.</extracomment>
        <translation>dibaca %1</translation>
    </message>
    <message>
        <source>delivered %1</source>
        <translation>terkirim ke perangkat %1</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>dikirim</translation>
    </message>
    <message>
        <source>Message info</source>
        <translation>Info pesan</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Anda</translation>
    </message>
    <message>
        <source>From:</source>
        <translation>Dari:</translation>
    </message>
    <message>
        <source>Sent:</source>
        <translation>Dikirim:</translation>
    </message>
    <message>
        <source>Received here:</source>
        <translation>Diterima di sini:</translation>
    </message>
    <message>
        <source>Who received and read it</source>
        <extracomment>One line per member: who received and read it (our messages only).</extracomment>
        <translation>Siapa yang menerima dan membacanya</translation>
    </message>
    <message>
        <source>Members:</source>
        <translation>Anggota:</translation>
    </message>
</context>
<context>
    <name>GroupNotes</name>
    <message>
        <source>You created the group “%2”</source>
        <extracomment>Spelled out as ``translate(&quot;GroupNotes&quot;, …)`` at each call: ``pyside6-lupdate`` finds them.</extracomment>
        <translation>Anda membuat grup “%2”</translation>
    </message>
    <message>
        <source>%1 created the group “%2”</source>
        <translation>%1 membuat grup “%2”</translation>
    </message>
    <message>
        <source>You joined the group</source>
        <translation>Anda bergabung dengan grup</translation>
    </message>
    <message>
        <source>%1 added you</source>
        <translation>%1 menambahkan Anda</translation>
    </message>
    <message>
        <source>You added %2</source>
        <translation>Anda menambahkan %2</translation>
    </message>
    <message>
        <source>%1 added %2</source>
        <translation>%1 menambahkan %2</translation>
    </message>
    <message>
        <source>You removed %2</source>
        <translation>Anda mengeluarkan %2</translation>
    </message>
    <message>
        <source>%1 removed %2</source>
        <translation>%1 mengeluarkan %2</translation>
    </message>
    <message>
        <source>You left</source>
        <translation>Anda keluar</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 keluar</translation>
    </message>
    <message>
        <source>You made %2 an admin</source>
        <translation>Anda menjadikan %2 admin</translation>
    </message>
    <message>
        <source>%1 made %2 an admin</source>
        <translation>%1 menjadikan %2 admin</translation>
    </message>
    <message>
        <source>You renamed the group to “%2”</source>
        <translation>Anda mengganti nama grup menjadi “%2”</translation>
    </message>
    <message>
        <source>%1 renamed the group to “%2”</source>
        <translation>%1 mengganti nama grup menjadi “%2”</translation>
    </message>
    <message>
        <source>You set disappearing messages to %2</source>
        <translation>Anda mengatur pesan sementara menjadi %2</translation>
    </message>
    <message>
        <source>%1 set disappearing messages to %2</source>
        <translation>%1 mengatur pesan sementara menjadi %2</translation>
    </message>
    <message>
        <source>You turned off disappearing messages</source>
        <translation>Anda mematikan pesan sementara</translation>
    </message>
    <message>
        <source>%1 turned off disappearing messages</source>
        <translation>%1 mematikan pesan sementara</translation>
    </message>
    <message>
        <source>You changed the group&apos;s picture</source>
        <translation>Anda mengganti gambar grup</translation>
    </message>
    <message>
        <source>%1 changed the group&apos;s picture</source>
        <translation>%1 mengganti gambar grup</translation>
    </message>
    <message>
        <source>You changed the group</source>
        <translation>Anda mengubah grup</translation>
    </message>
    <message>
        <source>%1 changed the group</source>
        <translation>%1 mengubah grup</translation>
    </message>
</context>
<context>
    <name>GroupPictureRow</name>
    <message>
        <source>Choose picture…</source>
        <extracomment>The side of the picture shown on the page, in pixels. The last file chooser opened (tests look at it). The picture&apos;s bytes as last read (None: the group has none here).</extracomment>
        <translation>Pilih gambar…</translation>
    </message>
    <message>
        <source>Remove picture</source>
        <translation>Hapus gambar</translation>
    </message>
    <message>
        <source>Group picture</source>
        <translation>Gambar grup</translation>
    </message>
    <message>
        <source>Choose a picture for the group</source>
        <translation>Pilih gambar untuk grup</translation>
    </message>
    <message>
        <source>Remove the group&apos;s picture</source>
        <translation>Hapus gambar grup</translation>
    </message>
    <message>
        <source>Choose a group picture</source>
        <translation>Pilih gambar grup</translation>
    </message>
</context>
<context>
    <name>HistoryProgress</name>
    <message>
        <source>Preparing your message history… %1%</source>
        <translation>Menyiapkan riwayat pesan Anda… %1%</translation>
    </message>
    <message>
        <source>Sending your message history… %1%</source>
        <translation>Mengirim riwayat pesan Anda… %1%</translation>
    </message>
    <message>
        <source>Receiving your message history… %1%</source>
        <translation>Menerima riwayat pesan Anda… %1%</translation>
    </message>
    <message>
        <source>Adding your message history… %1%</source>
        <translation>Menambahkan riwayat pesan Anda… %1%</translation>
    </message>
    <message>
        <source>Working… %1%</source>
        <translation>Sedang diproses… %1%</translation>
    </message>
</context>
<context>
    <name>HistoryProgressNotice</name>
    <message>
        <source>Message history</source>
        <translation>Riwayat pesan</translation>
    </message>
    <message>
        <source>Message history progress</source>
        <translation>Kemajuan riwayat pesan</translation>
    </message>
</context>
<context>
    <name>HoverBar</name>
    <message>
        <source>React</source>
        <extracomment>Space between the bubble and the bar (px).</extracomment>
        <translation>Beri reaksi</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Balas</translation>
    </message>
    <message>
        <source>More actions</source>
        <translation>Tindakan lain</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Image: %1</source>
        <extracomment>Qt refuses to decode an image needing more than this many MiB.</extracomment>
        <translation>Gambar: %1</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>Gambar</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Memuat…</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Perkecil</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Perbesar</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>Sesuaikan dengan jendela</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Simpan sebagai…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <source>Zoom out (-)</source>
        <translation>Perkecil (-)</translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation>Perbesar (+)</translation>
    </message>
    <message>
        <source>Fit to window (0)</source>
        <translation>Sesuaikan dengan jendela (0)</translation>
    </message>
    <message>
        <source>Save the original file</source>
        <translation>Simpan berkas asli</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>Tutup (Esc)</translation>
    </message>
    <message>
        <source>This image cannot be shown.</source>
        <translation>Gambar ini tidak dapat ditampilkan.</translation>
    </message>
</context>
<context>
    <name>InCallWindow</name>
    <message>
        <source>Call with %1</source>
        <extracomment>The preview&apos;s share of the window&apos;s width. The preview&apos;s distance from the video&apos;s bottom-right corner.</extracomment>
        <translation>Panggilan dengan %1</translation>
    </message>
    <message>
        <source>%1&apos;s video</source>
        <translation>Video %1</translation>
    </message>
    <message>
        <source>Your camera</source>
        <translation>Kamera Anda</translation>
    </message>
    <message>
        <source>Camera off</source>
        <translation>Kamera mati</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Tutup panggilan</translation>
    </message>
    <message>
        <source>Mute the microphone</source>
        <translation>Bisukan mikrofon</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Bunyikan</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Bisukan</translation>
    </message>
    <message>
        <source>Stop camera</source>
        <translation>Matikan kamera</translation>
    </message>
    <message>
        <source>Start camera</source>
        <translation>Nyalakan kamera</translation>
    </message>
    <message>
        <source>Turn the camera off</source>
        <translation>Matikan kamera</translation>
    </message>
    <message>
        <source>Turn the camera on</source>
        <translation>Nyalakan kamera</translation>
    </message>
</context>
<context>
    <name>IncomingCallWindow</name>
    <message>
        <source>Call from %1</source>
        <extracomment>How often the ring sounds while the window waits for an answer.</extracomment>
        <translation>Panggilan dari %1</translation>
    </message>
    <message>
        <source>Accept with video</source>
        <translation>Terima dengan video</translation>
    </message>
    <message>
        <source>Accept voice only</source>
        <translation>Terima suara saja</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>Terima</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>Tolak</translation>
    </message>
    <message>
        <source>Accept the call with video</source>
        <translation>Terima panggilan dengan video</translation>
    </message>
    <message>
        <source>Accept the call with voice only</source>
        <translation>Terima panggilan dengan suara saja</translation>
    </message>
    <message>
        <source>Decline the call</source>
        <translation>Tolak panggilan</translation>
    </message>
</context>
<context>
    <name>KeyChangeBanner</name>
    <message>
        <source>Accept new key</source>
        <translation>Terima kunci baru</translation>
    </message>
    <message>
        <source>%1&apos;s safety number changed (a new device or a reinstall).</source>
        <translation>Nomor keamanan %1 berubah (perangkat baru atau pemasangan ulang).</translation>
    </message>
    <message>
        <source>%1&apos;s safety number changed. Sending is paused until you accept the new key; compare the safety number first if you can.</source>
        <translation>Nomor keamanan %1 berubah. Pengiriman dijeda sampai Anda menerima kunci baru; bandingkan nomor keamanannya dulu jika bisa.</translation>
    </message>
    <message>
        <source>1 message waiting will be sent to the new key when you accept.</source>
        <translation>1 pesan yang menunggu akan dikirim ke kunci baru saat Anda menerimanya.</translation>
    </message>
    <message>
        <source>%1 messages waiting will be sent to the new key when you accept.</source>
        <translation>%1 pesan yang menunggu akan dikirim ke kunci baru saat Anda menerimanya.</translation>
    </message>
</context>
<context>
    <name>KeyNotices</name>
    <message>
        <source>Device refused</source>
        <extracomment>How long (ms) the status bar shows that sending waits.</extracomment>
        <translation>Perangkat ditolak</translation>
    </message>
    <message>
        <source>A device of %1&apos;s offered another key; nothing is sent to it.</source>
        <translation>Sebuah perangkat milik %1 menawarkan kunci lain; tidak ada yang dikirim ke perangkat itu.</translation>
    </message>
    <message>
        <source>The server listed a device for %1 whose key is not theirs. %1&apos;s safety number did not change; their other devices still get your messages.</source>
        <translation>Server mencantumkan perangkat untuk %1 dengan kunci yang bukan milik mereka. Nomor keamanan %1 tidak berubah; perangkat mereka yang lain tetap menerima pesan Anda.</translation>
    </message>
    <message>
        <source>Copies for your other devices wait: the server did not hand out their keys. Trying again in %1 s.</source>
        <translation>Salinan untuk perangkat Anda yang lain menunggu: server tidak memberikan kunci perangkat tersebut. Mencoba lagi dalam %1 dtk.</translation>
    </message>
    <message>
        <source>Messages to %2 wait: the server did not hand out their keys. Trying again in %1 s.</source>
        <translation>Pesan untuk %2 menunggu: server tidak memberikan kuncinya. Mencoba lagi dalam %1 dtk.</translation>
    </message>
</context>
<context>
    <name>LinkDeviceDialog</name>
    <message>
        <source>Contacts: %1 · message history included</source>
        <extracomment>The longest device name the protocol carries (docs/protocol.md §6.11). ``finished`` result of the dialog when the user chose to create a new account instead. Each module of the link code&apos;s QR, in pixels.</extracomment>
        <translation>Kontak: %1 · termasuk riwayat pesan</translation>
    </message>
    <message>
        <source>Contacts: %1 · no message history</source>
        <translation>Kontak: %1 · tanpa riwayat pesan</translation>
    </message>
    <message>
        <source>Link to an existing account</source>
        <translation>Tautkan ke akun yang sudah ada</translation>
    </message>
    <message>
        <source>Use the account you already have on another computer here too. Choose a name for this computer and the password that opens your messages on it; your other device keeps its own password.</source>
        <extracomment>The open provisioning channel, from the code shown until joined or cancelled. What the other device sent, once it arrived. The step shown (one of the three pages).</extracomment>
        <translation>Gunakan juga di sini akun yang sudah Anda miliki di komputer lain. Pilih nama untuk komputer ini dan kata sandi yang membuka pesan Anda di sini; perangkat Anda yang lain tetap memakai kata sandinya sendiri.</translation>
    </message>
    <message>
        <source>Use this password anyway</source>
        <translation>Tetap gunakan kata sandi ini</translation>
    </message>
    <message>
        <source>Show the link code</source>
        <translation>Tampilkan kode tautan</translation>
    </message>
    <message>
        <source>This computer&apos;s name</source>
        <translation>Nama komputer ini</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relai</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <source>Confirm password</source>
        <translation>Ulangi kata sandi</translation>
    </message>
    <message>
        <source>Relay address</source>
        <translation>Alamat relai</translation>
    </message>
    <message>
        <source>Shown in your account&apos;s list of devices, encrypted so the relay can&apos;t read it</source>
        <translation>Ditampilkan di daftar perangkat akun Anda, terenkripsi sehingga relai tidak dapat membacanya</translation>
    </message>
    <message>
        <source>The relay your other device uses: the link code only works there</source>
        <translation>Relai yang dipakai perangkat Anda yang lain: kode tautan hanya berlaku di sana</translation>
    </message>
    <message>
        <source>Enter a name for this computer and the relay&apos;s address.</source>
        <translation>Masukkan nama untuk komputer ini dan alamat relai.</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>Kedua kata sandi berbeda.</translation>
    </message>
    <message>
        <source>Choose a name of up to 64 characters, without line breaks or tabs.</source>
        <translation>Pilih nama hingga 64 karakter, tanpa baris baru atau tab.</translation>
    </message>
    <message>
        <source>Your link code</source>
        <translation>Kode tautan Anda</translation>
    </message>
    <message>
        <source>On the computer where you already use chat_desktop, open Settings, go to Devices, choose “Link a new device…” and paste this code.</source>
        <translation>Di komputer tempat Anda sudah memakai chat_desktop, buka Pengaturan, masuk ke Perangkat, pilih “Tautkan perangkat baru…”, lalu tempelkan kode ini.</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>Salin kode</translation>
    </message>
    <message>
        <source>Waiting for your other device… The code works for 10 minutes.</source>
        <translation>Menunggu perangkat Anda yang lain… Kode ini berlaku selama 10 menit.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Link code as a QR code</source>
        <translation>Kode tautan sebagai kode QR</translation>
    </message>
    <message>
        <source>Link code</source>
        <translation>Kode tautan</translation>
    </message>
    <message>
        <source>Copy the link code</source>
        <translation>Salin kode tautan</translation>
    </message>
    <message>
        <source>Cancel linking</source>
        <translation>Batalkan penautan</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Tersalin</translation>
    </message>
    <message>
        <source>This computer will read and send messages as this account. Join only if you started this link on your own device just now.</source>
        <translation>Komputer ini akan membaca dan mengirim pesan sebagai akun ini. Bergabunglah hanya jika Anda sendiri yang baru saja memulai tautan ini di perangkat Anda.</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Gabung</translation>
    </message>
    <message>
        <source>Join the account</source>
        <translation>Gabung ke akun</translation>
    </message>
    <message>
        <source>Join %1&apos;s account?</source>
        <translation>Gabung ke akun %1?</translation>
    </message>
</context>
<context>
    <name>LinkNewDeviceDialog</name>
    <message>
        <source>Link a new device</source>
        <translation>Tautkan perangkat baru</translation>
    </message>
    <message>
        <source>On the new computer, start chat_desktop and choose “Link to an existing account”. Paste the link code it shows here.</source>
        <extracomment>The new device&apos;s name, read from the pasted code (&quot;&quot; while there is no valid one). The engine&apos;s progress events while the account is being sent. Each progress text shown, in order (what the user could read; tests check it).</extracomment>
        <translation>Di komputer baru, jalankan chat_desktop dan pilih “Tautkan ke akun yang sudah ada”. Tempelkan di sini kode tautan yang ditampilkannya.</translation>
    </message>
    <message>
        <source>chat-desktop-link:v1?…</source>
        <translation>chat-desktop-link:v1?…</translation>
    </message>
    <message>
        <source>Transfer message history</source>
        <translation>Pindahkan riwayat pesan</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>Tautkan</translation>
    </message>
    <message>
        <source>Link code</source>
        <translation>Kode tautan</translation>
    </message>
    <message>
        <source>Link the new device</source>
        <translation>Tautkan perangkat baru</translation>
    </message>
    <message>
        <source>Copies your conversations to the new device, encrypted on the way</source>
        <translation>Menyalin percakapan Anda ke perangkat baru, terenkripsi selama perjalanan</translation>
    </message>
    <message>
        <source>Link “%1” to your account?</source>
        <translation>Tautkan “%1” ke akun Anda?</translation>
    </message>
    <message>
        <source>Linking needs the relay. Wait until the app is connected, then try again.</source>
        <translation>Penautan memerlukan relai. Tunggu sampai aplikasi terhubung, lalu coba lagi.</translation>
    </message>
    <message>
        <source>Sending your account to “%1”…</source>
        <translation>Mengirim akun Anda ke “%1”…</translation>
    </message>
    <message>
        <source>Sent. Confirm on “%1” to finish: it then appears in your list of devices.</source>
        <translation>Terkirim. Konfirmasikan di “%1” untuk menyelesaikan: perangkat itu lalu muncul di daftar perangkat Anda.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
</context>
<context>
    <name>LinkPreviewBar</name>
    <message>
        <source>Send without the link preview</source>
        <extracomment>How long the text must rest before its link is fetched (ms). Margins around the card (px). The preview shown (None while fetching or when there is none). The fetch last started (tests await it), or None before the first.</extracomment>
        <translation>Kirim tanpa pratinjau tautan</translation>
    </message>
    <message>
        <source>Remove link preview</source>
        <translation>Hapus pratinjau tautan</translation>
    </message>
    <message>
        <source>Link preview</source>
        <translation>Pratinjau tautan</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>A background task of the app stopped unexpectedly and was restarted.</source>
        <extracomment>How long a short note stays in the status bar. Engine events arriving within this long cause one conversation-list refresh, not one each (a burst of 1,000 incoming messages is one query, not 1,000). The most conversations the list reads (archived ones included). What the user reads when the engine restarted one of its background tasks.</extracomment>
        <translation>Sebuah tugas latar belakang aplikasi berhenti tiba-tiba dan telah dijalankan ulang.</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>menyambung…</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>tersambung</translation>
    </message>
    <message>
        <source>offline (messages wait in the outbox)</source>
        <translation>luring (pesan menunggu di kotak keluar)</translation>
    </message>
    <message>
        <source>Block %1? Nothing they send will reach you and you cannot write to them until you unblock them (in Settings, under Privacy). They are not told.</source>
        <translation>Blokir %1? Tidak ada kiriman mereka yang akan sampai kepada Anda dan Anda tidak dapat menulis kepada mereka sampai Anda membuka blokirnya (di Pengaturan, bagian Privasi). Mereka tidak diberi tahu.</translation>
    </message>
    <message>
        <source>chat_desktop (%1) — %2</source>
        <translation>chat_desktop (%1) — %2</translation>
    </message>
    <message>
        <source>chat_desktop — %1</source>
        <translation>chat_desktop — %1</translation>
    </message>
    <message>
        <source>Signed in as &lt;b&gt;%1&lt;/b&gt;</source>
        <extracomment>The settings window&apos;s &quot;About&quot; section (Help → About). Closing the window only hides it (the controller sets it where a tray shows the app and the user wants it); Quit still quits. The unread total of unmuted conversations the title shows. Opens a conversation at the first list refresh (as chat apps do): ``start_peer``&apos;s (the one open when the window last closed) if it still exists, else the latest.</extracomment>
        <translation>Masuk sebagai &lt;b&gt;%1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>unlinked from this account</source>
        <translation>dilepas dari akun ini</translation>
    </message>
    <message>
        <source>Choose a conversation, or start a new chat.</source>
        <translation>Pilih percakapan, atau mulai obrolan baru.</translation>
    </message>
    <message>
        <source>New chat…</source>
        <extracomment>How many list refreshes ran (tests check that bursts are coalesced). Contacts&apos; and groups&apos; round pictures, for the list (read again on a change).</extracomment>
        <translation>Obrolan baru…</translation>
    </message>
    <message>
        <source>New group…</source>
        <translation>Grup baru…</translation>
    </message>
    <message>
        <source>Note to Self</source>
        <translation>Catatan untuk Diri Sendiri</translation>
    </message>
    <message>
        <source>Go to conversation…</source>
        <translation>Buka percakapan…</translation>
    </message>
    <message>
        <source>Search messages…</source>
        <translation>Cari pesan…</translation>
    </message>
    <message>
        <source>Find in this chat…</source>
        <translation>Cari di obrolan ini…</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Pengaturan…</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Kunci</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <source>About chat_desktop</source>
        <translation>Tentang chat_desktop</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>&amp;Obrolan</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Bantuan</translation>
    </message>
    <message>
        <source>Block contact</source>
        <translation>Blokir kontak</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>Hapus percakapan</translation>
    </message>
    <message>
        <source>Delete the conversation with %1 from this device? Its messages and files are removed here; %1 keeps their copy.</source>
        <translation>Hapus percakapan dengan %1 dari perangkat ini? Pesan dan berkasnya dihapus di sini; %1 tetap menyimpan salinannya.</translation>
    </message>
</context>
<context>
    <name>MemberPicker</name>
    <message>
        <source>Filter, or type a username</source>
        <extracomment>Spelled out as ``translate(&quot;MemberPicker&quot;, …)`` at each call: ``pyside6-lupdate`` finds them.</extracomment>
        <translation>Saring, atau ketik nama pengguna</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Tambah</translation>
    </message>
    <message>
        <source>Filter contacts, or type a username</source>
        <translation>Saring kontak, atau ketik nama pengguna</translation>
    </message>
    <message>
        <source>Add the typed username</source>
        <translation>Tambahkan nama pengguna yang diketik</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Kontak</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <source>A message from this contact could not be decrypted.</source>
        <extracomment>Between a status mark and the time, and between an icon and its text (in font heights). A file&apos;s round badge, in line heights of the message font. A voice note&apos;s waveform is at least this many line heights wide (voice_note_painting.py). The quote block&apos;s accent bar and inner padding (px). Reaction chips: inner padding, gap between chips and below the bubble (px). A separator band (day, unread line): its height in meta-font lines. A transfer&apos;s progress bar (px). The round button over an image that is downloading / not downloaded (px). Untranslated; shown through :func:`undecryptable_notice`.</extracomment>
        <translation>Sebuah pesan dari kontak ini tidak dapat didekripsi.</translation>
    </message>
</context>
<context>
    <name>MessageDetailsDialog</name>
    <message>
        <source>Message details</source>
        <extracomment>Shown for a time that is not known (never delivered, no read receipts).</extracomment>
        <translation>Rincian pesan</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Dikirim</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Diterima</translation>
    </message>
    <message>
        <source>Read by you</source>
        <translation>Dibaca oleh Anda</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Terkirim ke penerima</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Dibaca</translation>
    </message>
    <message>
        <source>Last edited</source>
        <translation>Terakhir disunting</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <source>Earlier versions</source>
        <translation>Versi sebelumnya</translation>
    </message>
    <message>
        <source>The text of the message before each edit, oldest first</source>
        <translation>Teks pesan sebelum setiap penyuntingan, terlama lebih dulu</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
</context>
<context>
    <name>MessageListView</name>
    <message>
        <source>Messages</source>
        <extracomment>Pixels from an edge at which the next page comes in. Viewport heights beyond that at which the next page is fetched ahead (page_ahead.py), so a scroll that reaches the edge inserts it at once instead of waiting for the store. How long a message stays highlighted after a jump to it (ms). How often the disappearing countdown of visible rows is redrawn (ms). Parts a click acts on by itself (a click elsewhere, or on &quot;download&quot;, is a plain click).</extracomment>
        <translation>Pesan</translation>
    </message>
    <message>
        <source>Up and Down move between messages, Enter opens or replies, the Menu key shows what can be done with a message.</source>
        <translation>Atas dan Bawah berpindah antarpesan, Enter membuka atau membalas, tombol Menu menampilkan tindakan untuk pesan.</translation>
    </message>
    <message>
        <source>Delete for me</source>
        <translation>Hapus untuk saya</translation>
    </message>
    <message>
        <source>Retry sending</source>
        <translation>Coba kirim lagi</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Balas</translation>
    </message>
    <message>
        <source>React…</source>
        <translation>Beri reaksi…</translation>
    </message>
    <message>
        <source>Copy selection</source>
        <translation>Salin pilihan</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Salin teks</translation>
    </message>
    <message>
        <source>Forward…</source>
        <translation>Teruskan…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Buka</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Simpan sebagai…</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Unduh</translation>
    </message>
    <message>
        <source>Cancel transfer</source>
        <translation>Batalkan transfer</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Sunting</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>Pilih</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>Rincian…</translation>
    </message>
    <message>
        <source>Delete for everyone</source>
        <translation>Hapus untuk semua orang</translation>
    </message>
    <message>
        <source>Message actions</source>
        <translation>Tindakan pesan</translation>
    </message>
</context>
<context>
    <name>MessageText</name>
    <message>
        <source>sending</source>
        <translation>mengirim</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>terkirim</translation>
    </message>
    <message>
        <source>delivered</source>
        <translation>diterima</translation>
    </message>
    <message>
        <source>read</source>
        <translation>dibaca</translation>
    </message>
    <message>
        <source>not delivered</source>
        <translation>tidak terkirim</translation>
    </message>
    <message>
        <source>attachment</source>
        <translation>lampiran</translation>
    </message>
    <message>
        <source>You, %1: %2. %3.</source>
        <translation>Anda, %1: %2. %3.</translation>
    </message>
    <message>
        <source>%4, %1: %2.</source>
        <translation>%4, %1: %2.</translation>
    </message>
    <message>
        <source>Replying to %1: %2.</source>
        <translation>Membalas %1: %2.</translation>
    </message>
    <message>
        <source>Edited.</source>
        <translation>Disunting.</translation>
    </message>
    <message>
        <source>Reactions: %1.</source>
        <translation>Reaksi: %1.</translation>
    </message>
    <message>
        <source>1 second</source>
        <extracomment>``translate(&quot;MessageText&quot;, …)`` spelled out at each call, so ``pyside6-lupdate`` finds it.</extracomment>
        <translation>1 detik</translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation>%1 detik</translation>
    </message>
    <message>
        <source>You set disappearing messages to %1</source>
        <translation>Anda mengatur pesan sementara menjadi %1</translation>
    </message>
    <message>
        <source>You turned off disappearing messages</source>
        <translation>Anda mematikan pesan sementara</translation>
    </message>
    <message>
        <source>%1 set disappearing messages to %2</source>
        <translation>%1 mengatur pesan sementara menjadi %2</translation>
    </message>
    <message>
        <source>%1 turned off disappearing messages</source>
        <translation>%1 mematikan pesan sementara</translation>
    </message>
    <message>
        <source>%1&apos;s safety number changed</source>
        <translation>Nomor keamanan %1 berubah</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 dtk</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 mnt</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 j</translation>
    </message>
    <message>
        <source>%1 d</source>
        <translation>%1 h</translation>
    </message>
    <message>
        <source>Today</source>
        <extracomment>The widest remaining-time label (the footer keeps room for it, so the row never resizes).</extracomment>
        <translation>Hari ini</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Kemarin</translation>
    </message>
    <message>
        <source>Unread messages</source>
        <translation>Pesan belum dibaca</translation>
    </message>
    <message>
        <source>This message was deleted</source>
        <translation>Pesan ini telah dihapus</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>disunting</translation>
    </message>
    <message>
        <source>Edited %1</source>
        <translation>Disunting %1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Anda</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Original message not found</source>
        <translation>Pesan asli tidak ditemukan</translation>
    </message>
    <message>
        <source>Outgoing voice call, %1</source>
        <extracomment>The longest call a note may claim (a week); more reads as no duration. (outcome, outgoing, video) -&gt; the sentence; &quot;%1&quot; is the call&apos;s length where it has one.</extracomment>
        <translation>Panggilan suara keluar, %1</translation>
    </message>
    <message>
        <source>Outgoing video call, %1</source>
        <translation>Panggilan video keluar, %1</translation>
    </message>
    <message>
        <source>Incoming voice call, %1</source>
        <translation>Panggilan suara masuk, %1</translation>
    </message>
    <message>
        <source>Incoming video call, %1</source>
        <translation>Panggilan video masuk, %1</translation>
    </message>
    <message>
        <source>Outgoing voice call, no answer</source>
        <translation>Panggilan suara keluar, tidak dijawab</translation>
    </message>
    <message>
        <source>Outgoing video call, no answer</source>
        <translation>Panggilan video keluar, tidak dijawab</translation>
    </message>
    <message>
        <source>Missed voice call</source>
        <translation>Panggilan suara tak terjawab</translation>
    </message>
    <message>
        <source>Missed video call</source>
        <translation>Panggilan video tak terjawab</translation>
    </message>
    <message>
        <source>Outgoing voice call, declined</source>
        <translation>Panggilan suara keluar, ditolak</translation>
    </message>
    <message>
        <source>Outgoing video call, declined</source>
        <translation>Panggilan video keluar, ditolak</translation>
    </message>
    <message>
        <source>Declined voice call</source>
        <translation>Panggilan suara ditolak</translation>
    </message>
    <message>
        <source>Declined video call</source>
        <translation>Panggilan video ditolak</translation>
    </message>
    <message>
        <source>Outgoing voice call, line busy</source>
        <translation>Panggilan suara keluar, sedang sibuk</translation>
    </message>
    <message>
        <source>Outgoing video call, line busy</source>
        <translation>Panggilan video keluar, sedang sibuk</translation>
    </message>
    <message>
        <source>Missed voice call while in another call</source>
        <translation>Panggilan suara tak terjawab saat dalam panggilan lain</translation>
    </message>
    <message>
        <source>Missed video call while in another call</source>
        <translation>Panggilan video tak terjawab saat dalam panggilan lain</translation>
    </message>
    <message>
        <source>Voice call failed</source>
        <translation>Panggilan suara gagal</translation>
    </message>
    <message>
        <source>Video call failed</source>
        <translation>Panggilan video gagal</translation>
    </message>
    <message>
        <source>Voice call refused</source>
        <translation>Panggilan suara ditolak otomatis</translation>
    </message>
    <message>
        <source>Video call refused</source>
        <translation>Panggilan video ditolak otomatis</translation>
    </message>
    <message>
        <source>Voice call refused: the safety number changed</source>
        <translation>Panggilan suara ditolak otomatis: nomor keamanan berubah</translation>
    </message>
    <message>
        <source>Video call refused: the safety number changed</source>
        <translation>Panggilan video ditolak otomatis: nomor keamanan berubah</translation>
    </message>
    <message>
        <source>Cancelled voice call</source>
        <translation>Panggilan suara dibatalkan</translation>
    </message>
    <message>
        <source>Cancelled video call</source>
        <translation>Panggilan video dibatalkan</translation>
    </message>
    <message>
        <source>Voice call</source>
        <extracomment>A note whose outcome this version does not know.</extracomment>
        <translation>Panggilan suara</translation>
    </message>
    <message>
        <source>Video call</source>
        <translation>Panggilan video</translation>
    </message>
</context>
<context>
    <name>MessageWindowModel</name>
    <message>
        <source>Not delivered: the relay never accepted this message (the user may not exist, or the connection failed for too long). Click it to send it again.</source>
        <extracomment>Rows a page brings. A page is laid out on the GUI thread as it comes in (about 0.3 ms a row), so small pages keep each scroll step short: measured on a 1M-message conversation (benchmarks/scroll.py), 25-row pages brought the longest GUI stall from about 65 ms (100-row pages) to about 40 ms, and the slowest page-in step from about 110 ms to 85 ms. Rows the window opens with (a conversation opened, a jump to a search hit): a full screen and some to scroll, in one query, before any page-in is needed. The most rows the window holds: several screens each way. Qt lays every row out again at each page-in (each a remembered height, but a call into Python each), so a smaller window is a shorter page-in (150 rows: half the work of the 300 held before). The row&apos;s :class:`~chat_desktop.gui.conversation.message_layout.RowDecor` (day separator, unread line). ``(done, total)`` bytes of a running upload or download, or None. Why a red &quot;!&quot; is there and what to do about it (tooltip of a failed message).</extracomment>
        <translation>Tidak terkirim: relai tidak pernah menerima pesan ini (pengguna mungkin tidak ada, atau sambungan terlalu lama gagal). Klik untuk mengirim ulang.</translation>
    </message>
</context>
<context>
    <name>NewChatDialog</name>
    <message>
        <source>New chat</source>
        <translation>Obrolan baru</translation>
    </message>
    <message>
        <source>Username of the person to write to:</source>
        <extracomment>Whether the relay confirmed the peer (False: started offline, unchecked).</extracomment>
        <translation>Nama pengguna orang yang akan dikirimi pesan:</translation>
    </message>
    <message>
        <source>e.g. bob</source>
        <translation>mis. bob</translation>
    </message>
    <message>
        <source>Start chat</source>
        <translation>Mulai obrolan</translation>
    </message>
    <message>
        <source>Username of the person to write to</source>
        <translation>Nama pengguna orang yang akan dikirimi pesan</translation>
    </message>
    <message>
        <source>That&apos;s you. Enter the username of someone else.</source>
        <translation>Itu Anda. Masukkan nama pengguna orang lain.</translation>
    </message>
    <message>
        <source>No such user: %1. Check the spelling.</source>
        <translation>Pengguna tidak ada: %1. Periksa ejaannya.</translation>
    </message>
</context>
<context>
    <name>NewGroupDialog</name>
    <message>
        <source>New group</source>
        <translation>Grup baru</translation>
    </message>
    <message>
        <source>Group name:</source>
        <translation>Nama grup:</translation>
    </message>
    <message>
        <source>Members:</source>
        <translation>Anggota:</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Buat</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Nama grup</translation>
    </message>
    <message>
        <source>Create group</source>
        <translation>Buat grup</translation>
    </message>
</context>
<context>
    <name>NewMessagesButton</name>
    <message numerus="yes">
        <source>%n new message(s)</source>
        <extracomment>Its distance from the bottom edge of the list (px).</extracomment>
        <translation>
            <numerusform>%n pesan baru</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Scroll down to %n new message(s)</source>
        <translation>
            <numerusform>Gulir ke %n pesan baru</numerusform>
        </translation>
    </message>
    <message>
        <source>Newest messages</source>
        <translation>Pesan terbaru</translation>
    </message>
    <message>
        <source>Scroll down to the newest messages</source>
        <translation>Gulir ke pesan terbaru</translation>
    </message>
</context>
<context>
    <name>NewPasswordDialog</name>
    <message>
        <source>Choose a new password</source>
        <translation>Pilih kata sandi baru</translation>
    </message>
    <message>
        <source>Choose a new password (at least 10 characters) for this computer.</source>
        <translation>Pilih kata sandi baru (paling sedikit 10 karakter) untuk komputer ini.</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Kata sandi baru</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>Ulangi kata sandi baru</translation>
    </message>
    <message>
        <source>Set password</source>
        <translation>Simpan kata sandi</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Use this password anyway</source>
        <translation>Tetap gunakan kata sandi ini</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>Kedua kata sandi berbeda.</translation>
    </message>
    <message>
        <source>This password is easy to guess. Choose another, or use it anyway.</source>
        <translation>Kata sandi ini mudah ditebak. Pilih yang lain, atau tetap gunakan.</translation>
    </message>
</context>
<context>
    <name>Notices</name>
    <message>
        <source>Something went wrong (%1). Try again; if it persists, restart.</source>
        <extracomment>Errors whose text was written for the user (no content, keys or passwords in it).</extracomment>
        <translation>Terjadi kesalahan (%1). Coba lagi; jika terus terjadi, mulai ulang aplikasi.</translation>
    </message>
</context>
<context>
    <name>Notifications</name>
    <message>
        <source>Incoming video call</source>
        <extracomment>Shows a notification another way (the tray&apos;s bubble); False when it could not. The library whose log records are reduced to their type (they would name the text). The freedesktop sound theme&apos;s name for an incoming instant message.</extracomment>
        <translation>Panggilan video masuk</translation>
    </message>
    <message>
        <source>Incoming voice call</source>
        <translation>Panggilan suara masuk</translation>
    </message>
</context>
<context>
    <name>PasswordMeter</name>
    <message>
        <source>Straight rows of keys are easy to guess.</source>
        <extracomment>zxcvbn&apos;s English feedback, marked for translation (``translate(&quot;PasswordMeter&quot;, …)``).</extracomment>
        <translation>Deretan tombol yang lurus mudah ditebak.</translation>
    </message>
    <message>
        <source>Short keyboard patterns are easy to guess.</source>
        <translation>Pola keyboard yang pendek mudah ditebak.</translation>
    </message>
    <message>
        <source>Repeats like &quot;aaa&quot; are easy to guess.</source>
        <translation>Pengulangan seperti &quot;aaa&quot; mudah ditebak.</translation>
    </message>
    <message>
        <source>Repeats like &quot;abcabcabc&quot; are only slightly harder to guess than &quot;abc&quot;.</source>
        <translation>Pengulangan seperti &quot;abcabcabc&quot; hanya sedikit lebih sulit ditebak daripada &quot;abc&quot;.</translation>
    </message>
    <message>
        <source>Sequences like &quot;abc&quot; or &quot;6543&quot; are easy to guess.</source>
        <translation>Urutan seperti &quot;abc&quot; atau &quot;6543&quot; mudah ditebak.</translation>
    </message>
    <message>
        <source>Recent years are easy to guess.</source>
        <translation>Tahun-tahun terakhir mudah ditebak.</translation>
    </message>
    <message>
        <source>Dates are often easy to guess.</source>
        <translation>Tanggal sering kali mudah ditebak.</translation>
    </message>
    <message>
        <source>This is a top-10 common password.</source>
        <translation>Ini termasuk 10 kata sandi paling umum.</translation>
    </message>
    <message>
        <source>This is a top-100 common password.</source>
        <translation>Ini termasuk 100 kata sandi paling umum.</translation>
    </message>
    <message>
        <source>This is a very common password.</source>
        <translation>Ini kata sandi yang sangat umum.</translation>
    </message>
    <message>
        <source>This is similar to a commonly used password.</source>
        <translation>Ini mirip dengan kata sandi yang umum dipakai.</translation>
    </message>
    <message>
        <source>A word by itself is easy to guess.</source>
        <translation>Satu kata saja mudah ditebak.</translation>
    </message>
    <message>
        <source>Names and surnames by themselves are easy to guess.</source>
        <translation>Nama depan dan nama belakang saja mudah ditebak.</translation>
    </message>
    <message>
        <source>Common names and surnames are easy to guess.</source>
        <translation>Nama depan dan nama belakang yang umum mudah ditebak.</translation>
    </message>
    <message>
        <source>Use a few words, avoid common phrases.</source>
        <translation>Gunakan beberapa kata, hindari frasa umum.</translation>
    </message>
    <message>
        <source>Add another word or two. Uncommon words are better.</source>
        <translation>Tambahkan satu atau dua kata lagi. Kata yang tidak umum lebih baik.</translation>
    </message>
    <message>
        <source>Use a longer keyboard pattern with more turns.</source>
        <translation>Gunakan pola keyboard yang lebih panjang dengan lebih banyak belokan.</translation>
    </message>
    <message>
        <source>Avoid repeated words and characters.</source>
        <translation>Hindari kata dan karakter yang berulang.</translation>
    </message>
    <message>
        <source>Avoid sequences.</source>
        <translation>Hindari urutan.</translation>
    </message>
    <message>
        <source>Avoid recent years.</source>
        <translation>Hindari tahun-tahun terakhir.</translation>
    </message>
    <message>
        <source>Avoid years that are associated with you.</source>
        <translation>Hindari tahun yang berkaitan dengan Anda.</translation>
    </message>
    <message>
        <source>Avoid dates and years that are associated with you.</source>
        <translation>Hindari tanggal dan tahun yang berkaitan dengan Anda.</translation>
    </message>
    <message>
        <source>Capitalization doesn&apos;t help very much.</source>
        <translation>Huruf kapital tidak banyak membantu.</translation>
    </message>
    <message>
        <source>All-uppercase is almost as easy to guess as all-lowercase.</source>
        <translation>Semua huruf kapital hampir sama mudah ditebak dengan semua huruf kecil.</translation>
    </message>
    <message>
        <source>Reversed words aren&apos;t much harder to guess.</source>
        <translation>Kata yang dibalik tidak jauh lebih sulit ditebak.</translation>
    </message>
    <message>
        <source>Predictable substitutions like &apos;@&apos; instead of &apos;a&apos; don&apos;t help very much.</source>
        <translation>Penggantian yang mudah diduga seperti &apos;@&apos; untuk &apos;a&apos; tidak banyak membantu.</translation>
    </message>
    <message>
        <source>Very weak</source>
        <extracomment>What each score is called, and the hint when zxcvbn says nothing this app knows.</extracomment>
        <translation>Sangat lemah</translation>
    </message>
    <message>
        <source>Weak</source>
        <translation>Lemah</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>Cukup</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>Kuat</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>Sangat kuat</translation>
    </message>
    <message>
        <source>A program would guess it at once.</source>
        <translation>Program penebak akan menebaknya seketika.</translation>
    </message>
    <message>
        <source>A program would guess it quickly. Add a few words.</source>
        <translation>Program penebak akan menebaknya dengan cepat. Tambahkan beberapa kata.</translation>
    </message>
    <message>
        <source>Still guessable. Add another uncommon word.</source>
        <translation>Masih bisa ditebak. Tambahkan satu kata lagi yang tidak umum.</translation>
    </message>
    <message>
        <source>Hard to guess.</source>
        <translation>Sulit ditebak.</translation>
    </message>
    <message>
        <source>Very hard to guess.</source>
        <translation>Sangat sulit ditebak.</translation>
    </message>
    <message>
        <source>Password strength</source>
        <translation>Kekuatan kata sandi</translation>
    </message>
    <message>
        <source>Password advice</source>
        <translation>Saran kata sandi</translation>
    </message>
    <message>
        <source>Too short: use at least %1 characters.</source>
        <translation>Terlalu pendek: gunakan paling sedikit %1 karakter.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>PasswordPromptDialog</name>
    <message>
        <source>Your password</source>
        <translation>Kata sandi Anda</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <source>Wrong password.</source>
        <translation>Kata sandi salah.</translation>
    </message>
    <message>
        <source>Too many wrong passwords.</source>
        <translation>Terlalu banyak kata sandi salah.</translation>
    </message>
    <message>
        <source>%1 Try again in %2 s.</source>
        <translation>%1 Coba lagi dalam %2 dtk.</translation>
    </message>
</context>
<context>
    <name>PrivacyPage</name>
    <message>
        <source>Sender and message text</source>
        <extracomment>The text sizes offered, in percent of the system&apos;s (a value saved elsewhere is added). Language names are autonyms, never translated: someone who cannot read the current language must still recognise their own.</extracomment>
        <translation>Pengirim dan teks pesan</translation>
    </message>
    <message>
        <source>Only “New message”</source>
        <translation>Hanya “Pesan baru”</translation>
    </message>
    <message>
        <source>No notifications</source>
        <translation>Tanpa notifikasi</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>Privasi</translation>
    </message>
    <message>
        <source> min</source>
        <translation> mnt</translation>
    </message>
    <message>
        <source>Download files automatically up to</source>
        <translation>Unduh berkas otomatis hingga</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Tidak pernah</translation>
    </message>
    <message>
        <source>Download received files up to this size</source>
        <translation>Unduh berkas yang diterima hingga ukuran ini</translation>
    </message>
    <message>
        <source>Files up to this many MiB download by themselves, images always do; 0 means never</source>
        <translation>Berkas hingga sekian MiB terunduh sendiri, gambar selalu; 0 berarti tidak pernah</translation>
    </message>
    <message>
        <source>Received files up to this size download by themselves (images always do)</source>
        <translation>Berkas yang diterima hingga ukuran ini terunduh sendiri (gambar selalu)</translation>
    </message>
    <message>
        <source>Unlock with the system keychain</source>
        <translation>Buka dengan gantungan kunci sistem</translation>
    </message>
    <message>
        <source>Show contacts when I’m online</source>
        <translation>Tunjukkan ke kontak saat saya daring</translation>
    </message>
    <message>
        <source>Send read receipts</source>
        <translation>Kirim tanda sudah dibaca</translation>
    </message>
    <message>
        <source>Send typing indicators</source>
        <translation>Kirim indikator mengetik</translation>
    </message>
    <message>
        <source>Send crash reports</source>
        <translation>Kirim laporan kerusakan</translation>
    </message>
    <message>
        <source>Play a sound with notifications</source>
        <translation>Putar suara bersama notifikasi</translation>
    </message>
    <message>
        <source>Keep running in the tray when the window is closed</source>
        <translation>Tetap berjalan di baki sistem saat jendela ditutup</translation>
    </message>
    <message>
        <source>Check spelling while typing</source>
        <translation>Periksa ejaan saat mengetik</translation>
    </message>
    <message>
        <source>Misspelled words in the message box are underlined in red</source>
        <translation>Kata yang salah eja di kotak pesan diberi garis bawah merah</translation>
    </message>
    <message>
        <source>Blocked contacts…</source>
        <translation>Kontak yang diblokir…</translation>
    </message>
    <message>
        <source>Blocked contacts</source>
        <translation>Kontak yang diblokir</translation>
    </message>
    <message>
        <source>Double-click a message to reply</source>
        <extracomment>The blocked-contacts dialog last opened (tests look at it).</extracomment>
        <translation>Klik dua kali pesan untuk membalas</translation>
    </message>
    <message>
        <source>Otherwise a double click selects the word under the mouse</source>
        <translation>Jika tidak, klik dua kali memilih kata di bawah tetikus</translation>
    </message>
    <message>
        <source>Where the desktop has a tray. Quit in the tray&apos;s menu or Ctrl+Q still quits.</source>
        <translation>Bila desktop memiliki baki sistem. Keluar di menu baki atau Ctrl+Q tetap menutup aplikasi.</translation>
    </message>
    <message>
        <source>Lock after this many idle minutes</source>
        <translation>Kunci setelah sekian menit tidak aktif</translation>
    </message>
    <message>
        <source>Notification content</source>
        <translation>Isi notifikasi</translation>
    </message>
    <message>
        <source>0 means never lock by itself</source>
        <translation>0 berarti tidak pernah terkunci sendiri</translation>
    </message>
    <message>
        <source>The app opens without asking for your password while you are signed in to this computer.</source>
        <translation>Aplikasi terbuka tanpa meminta kata sandi selama Anda masuk di komputer ini.</translation>
    </message>
    <message>
        <source>Reports hold the kind of error and where in the code it happened, never your messages, contacts, file names or keys.</source>
        <translation>Laporan berisi jenis galat dan letaknya dalam kode, tidak pernah pesan, kontak, nama berkas, atau kunci Anda.</translation>
    </message>
    <message>
        <source>Reports hold the kind of error and where in the code it happened, never your messages, contacts, file names or keys. This copy of the app has no crash-report server, so nothing is sent for now.</source>
        <translation>Laporan berisi jenis galat dan letaknya dalam kode, tidak pernah pesan, kontak, nama berkas, atau kunci Anda. Salinan aplikasi ini tidak memiliki server laporan kerusakan, jadi untuk saat ini tidak ada yang dikirim.</translation>
    </message>
    <message>
        <source>Lock after</source>
        <translation>Kunci setelah</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notifikasi</translation>
    </message>
    <message>
        <source>Off by default: fetching a link tells that website your IP address and that someone is sharing it.</source>
        <translation>Mati secara bawaan: mengambil tautan memberi tahu situs web itu alamat IP Anda dan bahwa seseorang sedang membagikannya.</translation>
    </message>
    <message>
        <source>The first link of a message you write is fetched by this computer; its title, description and image travel inside your encrypted message. The people you write to never fetch anything.</source>
        <translation>Tautan pertama dari pesan yang Anda tulis diambil oleh komputer ini; judul, deskripsi, dan gambarnya dikirim di dalam pesan terenkripsi Anda. Orang yang Anda kirimi pesan tidak pernah mengambil apa pun.</translation>
    </message>
    <message>
        <source>Generate link previews</source>
        <translation>Buat pratinjau tautan</translation>
    </message>
    <message>
        <source>Generate link previews (the website sees your IP address)</source>
        <translation>Buat pratinjau tautan (situs web melihat alamat IP Anda)</translation>
    </message>
</context>
<context>
    <name>ProfileSection</name>
    <message>
        <source>Your name, as your contacts see it</source>
        <extracomment>The preview&apos;s side, in average character widths (it grows with the text size). The open file chooser, if any.</extracomment>
        <translation>Nama Anda, seperti yang dilihat kontak Anda</translation>
    </message>
    <message>
        <source>Save name</source>
        <translation>Simpan nama</translation>
    </message>
    <message>
        <source>Choose picture…</source>
        <translation>Pilih gambar…</translation>
    </message>
    <message>
        <source>Remove picture</source>
        <translation>Hapus gambar</translation>
    </message>
    <message>
        <source>Profile name</source>
        <translation>Nama profil</translation>
    </message>
    <message>
        <source>Save the profile name</source>
        <translation>Simpan nama profil</translation>
    </message>
    <message>
        <source>Choose a profile picture</source>
        <translation>Pilih gambar profil</translation>
    </message>
    <message>
        <source>Remove the profile picture</source>
        <translation>Hapus gambar profil</translation>
    </message>
    <message>
        <source>Profile picture</source>
        <translation>Gambar profil</translation>
    </message>
    <message>
        <source>Your name and picture go end to end encrypted to the contacts you write to; the relay cannot see them. Your username stays your address.</source>
        <translation>Nama dan gambar Anda dikirim terenkripsi ujung ke ujung ke kontak yang Anda kirimi pesan; relay tidak dapat melihatnya. Nama pengguna Anda tetap menjadi alamat Anda.</translation>
    </message>
    <message>
        <source>No picture</source>
        <translation>Tanpa gambar</translation>
    </message>
    <message>
        <source>Profile not saved</source>
        <translation>Profil tidak disimpan</translation>
    </message>
    <message>
        <source>A name is one line of at most 128 characters, without control characters.</source>
        <translation>Nama adalah satu baris berisi paling banyak 128 karakter, tanpa karakter kontrol.</translation>
    </message>
    <message>
        <source>This picture cannot be used. Choose a JPEG, PNG, WebP or GIF image.</source>
        <translation>Gambar ini tidak dapat digunakan. Pilih gambar JPEG, PNG, WebP, atau GIF.</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>&amp;Cari di:</translation>
    </message>
    <message>
        <source>File &amp;name:</source>
        <translation>&amp;Nama berkas:</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>&amp;Jenis berkas:</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Buka</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Simpan</translation>
    </message>
    <message>
        <source>&amp;Choose</source>
        <translation>&amp;Pilih</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Buka</translation>
    </message>
    <message>
        <source>Save As</source>
        <translation>Simpan Sebagai</translation>
    </message>
    <message>
        <source>Find Directory</source>
        <translation>Cari Folder</translation>
    </message>
    <message>
        <source>Directory:</source>
        <translation>Folder:</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <source>Forward</source>
        <translation>Maju</translation>
    </message>
    <message>
        <source>Parent Directory</source>
        <translation>Folder Induk</translation>
    </message>
    <message>
        <source>Create New Folder</source>
        <translation>Buat Folder Baru</translation>
    </message>
    <message>
        <source>List View</source>
        <translation>Tampilan Daftar</translation>
    </message>
    <message>
        <source>Detail View</source>
        <translation>Tampilan Rinci</translation>
    </message>
    <message>
        <source>Go back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <source>Go forward</source>
        <translation>Maju</translation>
    </message>
    <message>
        <source>Go to the parent directory</source>
        <translation>Ke folder induk</translation>
    </message>
    <message>
        <source>Create a New Folder</source>
        <translation>Buat folder baru</translation>
    </message>
    <message>
        <source>Change to list view mode</source>
        <translation>Ganti ke tampilan daftar</translation>
    </message>
    <message>
        <source>Change to detail view mode</source>
        <translation>Ganti ke tampilan rinci</translation>
    </message>
    <message>
        <source>Sidebar</source>
        <translation>Bilah samping</translation>
    </message>
    <message>
        <source>List of places and bookmarks</source>
        <translation>Daftar tempat dan markah</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <source>Directories</source>
        <translation>Folder</translation>
    </message>
    <message>
        <source>Recent Places</source>
        <translation>Tempat Terkini</translation>
    </message>
    <message>
        <source>All Files (*)</source>
        <translation>Semua Berkas (*)</translation>
    </message>
    <message>
        <source>&amp;New Folder</source>
        <translation>Folder &amp;Baru</translation>
    </message>
    <message>
        <source>New Folder</source>
        <translation>Folder Baru</translation>
    </message>
    <message>
        <source>Show &amp;hidden files</source>
        <translation>Tampilkan berkas &amp;tersembunyi</translation>
    </message>
    <message>
        <source>&amp;Rename</source>
        <translation>&amp;Ganti nama</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Hapus</translation>
    </message>
    <message>
        <source>Are you sure you want to delete &apos;%1&apos;?</source>
        <translation>Yakin ingin menghapus &apos;%1&apos;?</translation>
    </message>
    <message>
        <source>%1 already exists.
Do you want to replace it?</source>
        <translation>%1 sudah ada.
Ganti dengan yang baru?</translation>
    </message>
    <message>
        <source>%1
File not found.
Please verify the correct file name was given.</source>
        <translation>%1
Berkas tidak ditemukan.
Pastikan nama berkasnya benar.</translation>
    </message>
</context>
<context>
    <name>QFileSystemModel</name>
    <message>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Jenis</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Jenis</translation>
    </message>
    <message>
        <source>Date Modified</source>
        <translation>Tanggal Diubah</translation>
    </message>
    <message>
        <source>Computer</source>
        <translation>Komputer</translation>
    </message>
</context>
<context>
    <name>QLineEdit</name>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Urungkan</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>Ulang&amp;i</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>Po&amp;tong</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Salin</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>T&amp;empel</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>Pilih Semua</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>OK</source>
        <extracomment>Where the compiled catalogues live (package data). The languages the app speaks; English is the source language (no catalogue needed). Each language&apos;s name in itself (never translated: a reader of one language must find it). The app&apos;s name, the same in every language.</extracomment>
        <translation>OK</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>&amp;Ya</translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation>&amp;Tidak</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Terapkan</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Buang</translation>
    </message>
    <message>
        <source>Help</source>
        <translation>Bantuan</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Buka</translation>
    </message>
</context>
<context>
    <name>QWidgetTextControl</name>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Urungkan</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>Ulang&amp;i</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>Po&amp;tong</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Salin</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>T&amp;empel</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>Pilih Semua</translation>
    </message>
    <message>
        <source>Copy &amp;Link Location</source>
        <translation>Salin &amp;Alamat Tautan</translation>
    </message>
</context>
<context>
    <name>QuickSwitcher</name>
    <message>
        <source>Go to a conversation</source>
        <translation>Buka percakapan</translation>
    </message>
    <message>
        <source>Type a name…</source>
        <translation>Ketik nama…</translation>
    </message>
    <message>
        <source>Name of the conversation to open</source>
        <translation>Nama percakapan yang akan dibuka</translation>
    </message>
    <message>
        <source>Matching conversations</source>
        <translation>Percakapan yang cocok</translation>
    </message>
</context>
<context>
    <name>ReactionPicker</name>
    <message>
        <source>Thumbs up</source>
        <extracomment>The reactions offered (as code points: they are the emoji a reaction carries, drawn with the colour emoji font of :func:`emoji_font`, never label text), with what a screen reader says for each.</extracomment>
        <translation>Jempol</translation>
    </message>
    <message>
        <source>Heart</source>
        <translation>Hati</translation>
    </message>
    <message>
        <source>Laughing</source>
        <translation>Tertawa</translation>
    </message>
    <message>
        <source>Surprised</source>
        <translation>Terkejut</translation>
    </message>
    <message>
        <source>Sad</source>
        <translation>Sedih</translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation>Terima kasih</translation>
    </message>
    <message>
        <source>Reactions</source>
        <extracomment>The emoji picker the &quot;+&quot; opened, if any (tests look at it).</extracomment>
        <translation>Reaksi</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <source>Remove my reaction</source>
        <translation>Hapus reaksi saya</translation>
    </message>
    <message>
        <source>More reactions</source>
        <translation>Reaksi lainnya</translation>
    </message>
    <message>
        <source>React with any emoji</source>
        <translation>Beri reaksi dengan emoji apa pun</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>Your recovery key</source>
        <extracomment>Suggested name of the saved file.</extracomment>
        <translation>Kunci pemulihan Anda</translation>
    </message>
    <message>
        <source>Write this key down and keep it somewhere safe. It opens your account if you forget your password. It is shown only this once.</source>
        <translation>Tulis kunci ini dan simpan di tempat aman. Kunci ini membuka akun Anda jika Anda lupa kata sandi. Kunci hanya ditampilkan sekali ini.</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Kunci pemulihan</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Salin</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Simpan…</translation>
    </message>
    <message>
        <source>I have written down or saved my recovery key</source>
        <translation>Saya sudah mencatat atau menyimpan kunci pemulihan saya</translation>
    </message>
    <message>
        <source>Copy the recovery key</source>
        <translation>Salin kunci pemulihan</translation>
    </message>
    <message>
        <source>Save the recovery key to a file</source>
        <translation>Simpan kunci pemulihan ke berkas</translation>
    </message>
    <message>
        <source>Available once you have ticked that the key is kept safe</source>
        <translation>Tersedia setelah Anda mencentang bahwa kunci sudah disimpan dengan aman</translation>
    </message>
    <message>
        <source>Copied. Paste it into your password manager, then clear the clipboard.</source>
        <translation>Tersalin. Tempelkan ke pengelola kata sandi Anda, lalu kosongkan papan klip.</translation>
    </message>
    <message>
        <source>Save the recovery key</source>
        <translation>Simpan kunci pemulihan</translation>
    </message>
    <message>
        <source>chat_desktop recovery key (opens your account if you forget the password):</source>
        <translation>Kunci pemulihan chat_desktop (membuka akun Anda jika Anda lupa kata sandi):</translation>
    </message>
    <message>
        <source>The file could not be written (%1). Choose another place.</source>
        <translation>Berkas tidak dapat ditulis (%1). Pilih tempat lain.</translation>
    </message>
    <message>
        <source>Saved to %1. Keep that file safe.</source>
        <translation>Disimpan ke %1. Simpan berkas itu dengan aman.</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Lanjut</translation>
    </message>
</context>
<context>
    <name>RequestBanner</name>
    <message>
        <source>Accept</source>
        <translation>Terima</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>Blokir</translation>
    </message>
    <message>
        <source>Accept the message request</source>
        <translation>Terima permintaan pesan</translation>
    </message>
    <message>
        <source>Delete the message request</source>
        <translation>Hapus permintaan pesan</translation>
    </message>
    <message>
        <source>Block this contact</source>
        <translation>Blokir kontak ini</translation>
    </message>
    <message>
        <source>Let %1 message you? They won&apos;t know you&apos;ve seen their messages until you accept. Nothing is sent back and their files are not downloaded until then.</source>
        <translation>Izinkan %1 mengirimi Anda pesan? Mereka tidak akan tahu Anda sudah melihat pesan mereka sampai Anda menerima. Tidak ada yang dikirim balik dan berkas mereka tidak diunduh sampai saat itu.</translation>
    </message>
</context>
<context>
    <name>RequestsToggle</name>
    <message>
        <source>Message requests</source>
        <translation>Permintaan pesan</translation>
    </message>
    <message>
        <source>Back to chats</source>
        <translation>Kembali ke obrolan</translation>
    </message>
    <message>
        <source>Message requests (%1)</source>
        <translation>Permintaan pesan (%1)</translation>
    </message>
</context>
<context>
    <name>RestoreBackupDialog</name>
    <message>
        <source>Restore from a backup</source>
        <extracomment>``finished`` result when the user went back to the sign-up.</extracomment>
        <translation>Pulihkan dari cadangan</translation>
    </message>
    <message>
        <source>Brings back every message, file, contact and setting from a backup file, as the same account. Your contacts&apos; chats continue on new secure sessions.</source>
        <translation>Mengembalikan setiap pesan, berkas, kontak, dan pengaturan dari berkas cadangan, sebagai akun yang sama. Obrolan dengan kontak Anda berlanjut pada sesi aman yang baru.</translation>
    </message>
    <message>
        <source>Choose the backup file</source>
        <translation>Pilih berkas cadangan</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Pilih…</translation>
    </message>
    <message>
        <source>Use this password anyway</source>
        <translation>Tetap gunakan kata sandi ini</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>Pulihkan</translation>
    </message>
    <message>
        <source>Backup file</source>
        <translation>Berkas cadangan</translation>
    </message>
    <message>
        <source>Backup passphrase</source>
        <translation>Frasa sandi cadangan</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Kata sandi baru</translation>
    </message>
    <message>
        <source>Confirm new password</source>
        <translation>Ulangi kata sandi baru</translation>
    </message>
    <message>
        <source>Restore progress</source>
        <translation>Kemajuan pemulihan</translation>
    </message>
    <message>
        <source>Back to creating an account</source>
        <translation>Kembali ke pembuatan akun</translation>
    </message>
    <message>
        <source>The password that opens your messages on this computer from now on</source>
        <translation>Kata sandi yang membuka pesan Anda di komputer ini mulai sekarang</translation>
    </message>
    <message>
        <source>Confirm password</source>
        <translation>Ulangi kata sandi</translation>
    </message>
    <message>
        <source>Choose the backup file.</source>
        <translation>Pilih berkas cadangan.</translation>
    </message>
    <message>
        <source>Enter the backup&apos;s passphrase.</source>
        <translation>Masukkan frasa sandi cadangan.</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>Kedua kata sandi berbeda.</translation>
    </message>
    <message>
        <source>This password is easy to guess. Choose another, or use it anyway.</source>
        <translation>Kata sandi ini mudah ditebak. Pilih yang lain, atau tetap gunakan.</translation>
    </message>
</context>
<context>
    <name>RestoreOfferDialog</name>
    <message>
        <source>The message database on this computer is damaged. Nothing was deleted. You can go back to a snapshot the app made earlier: messages received after it are lost on this computer.</source>
        <translation>Basis data pesan di komputer ini rusak. Tidak ada yang dihapus. Anda dapat kembali ke cuplikan yang dibuat aplikasi sebelumnya: pesan yang diterima setelahnya hilang dari komputer ini.</translation>
    </message>
    <message>
        <source>The message database on this computer is damaged, and there is no snapshot to restore from. Nothing was deleted. Keep a copy of the profile folder before trying anything else.</source>
        <translation>Basis data pesan di komputer ini rusak, dan tidak ada cuplikan untuk dipulihkan. Tidak ada yang dihapus. Simpan salinan folder profil sebelum mencoba hal lain.</translation>
    </message>
    <message>
        <source>Damaged message database</source>
        <translation>Basis data pesan rusak</translation>
    </message>
    <message>
        <source>Restore this snapshot</source>
        <translation>Pulihkan cuplikan ini</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>Nanti saja</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <source>Snapshots, newest first</source>
        <translation>Cuplikan, terbaru lebih dulu</translation>
    </message>
</context>
<context>
    <name>SafetyNumberDialog</name>
    <message>
        <source>Compare with %1, then accept</source>
        <translation>Bandingkan dengan %1, lalu terima</translation>
    </message>
    <message>
        <source>Safety number with %1</source>
        <translation>Nomor keamanan dengan %1</translation>
    </message>
    <message>
        <source>Compare these numbers with the ones on %1&apos;s device, in person or on a call you trust, or scan the code. If they match, nobody is in the middle.</source>
        <translation>Bandingkan angka-angka ini dengan yang ada di perangkat %1, secara langsung atau lewat panggilan yang Anda percayai, atau pindai kodenya. Jika cocok, tidak ada pihak di tengah.</translation>
    </message>
    <message>
        <source>Safety number</source>
        <translation>Nomor keamanan</translation>
    </message>
    <message>
        <source>Safety number as a QR code</source>
        <translation>Nomor keamanan sebagai kode QR</translation>
    </message>
    <message>
        <source>%1&apos;s safety number changed. Compare the new numbers with the ones on %1&apos;s device before you accept: if they differ, someone may be in the middle.</source>
        <translation>Nomor keamanan %1 berubah. Bandingkan nomor baru dengan nomor di perangkat %1 sebelum Anda menerima: jika berbeda, mungkin ada orang di tengah.</translation>
    </message>
    <message>
        <source>Accept new key</source>
        <translation>Terima kunci baru</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>Nanti saja</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Terverifikasi</translation>
    </message>
    <message>
        <source>Remove verification</source>
        <translation>Hapus verifikasi</translation>
    </message>
    <message>
        <source>Not verified yet</source>
        <translation>Belum diverifikasi</translation>
    </message>
    <message>
        <source>Mark as verified</source>
        <translation>Tandai terverifikasi</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>Search messages</source>
        <extracomment>Wait this long after the last keystroke before searching (ms). Results shown at most. Characters of the message shown in a result line.</extracomment>
        <translation>Cari pesan</translation>
    </message>
    <message>
        <source>Search all conversations…</source>
        <translation>Cari di semua percakapan…</translation>
    </message>
    <message>
        <source>Words to search for</source>
        <extracomment>Draws the results with the words that matched highlighted.</extracomment>
        <translation>Kata yang dicari</translation>
    </message>
    <message>
        <source>Messages found</source>
        <translation>Pesan yang ditemukan</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) found</source>
        <translation>
            <numerusform>%n pesan ditemukan</numerusform>
        </translation>
    </message>
    <message>
        <source>No messages found</source>
        <translation>Tidak ada pesan ditemukan</translation>
    </message>
    <message>
        <source>%1 · %2
%3</source>
        <translation>%1 · %2
%3</translation>
    </message>
</context>
<context>
    <name>SelectionBar</name>
    <message>
        <source>Forward…</source>
        <translation>Teruskan…</translation>
    </message>
    <message>
        <source>Delete for me</source>
        <translation>Hapus untuk saya</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Forward the selected messages</source>
        <translation>Teruskan pesan yang dipilih</translation>
    </message>
    <message>
        <source>Delete the selected messages for me</source>
        <translation>Hapus pesan yang dipilih untuk saya</translation>
    </message>
    <message>
        <source>Stop selecting</source>
        <translation>Berhenti memilih</translation>
    </message>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>%n dipilih</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsWindow</name>
    <message>
        <source>Read receipts</source>
        <extracomment>Runs the grave change with the password typed; raises the engine&apos;s typed errors. Added to the engine&apos;s wait after a wrong password, so the next try is surely allowed. What each field is called when a value is refused.</extracomment>
        <translation>Tanda sudah dibaca</translation>
    </message>
    <message>
        <source>Typing indicators</source>
        <translation>Indikator mengetik</translation>
    </message>
    <message>
        <source>Show when I’m online</source>
        <translation>Tunjukkan saat saya daring</translation>
    </message>
    <message>
        <source>Lock after</source>
        <translation>Kunci setelah</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notifikasi</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Tema</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>Ukuran teks</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <source>Relay address</source>
        <translation>Alamat relai</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Setting not saved</source>
        <extracomment>How far a check box&apos;s text starts from its left edge (hints line up with it).</extracomment>
        <translation>Pengaturan tidak tersimpan</translation>
    </message>
    <message>
        <source>Settings</source>
        <extracomment>The window&apos;s size when it first opens (everything fits at 100 % text size). The sections&apos; numbers, as :meth:`SettingsWindow.show_section` takes them. The order the sections are listed in. The section list&apos;s narrowest width (at 100 % text size every name fits in it).</extracomment>
        <translation>Pengaturan</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>Bagian pengaturan</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Akun</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>Privasi</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Tampilan</translation>
    </message>
    <message>
        <source>About</source>
        <translation>Tentang</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <source>Calls</source>
        <translation>Panggilan</translation>
    </message>
</context>
<context>
    <name>SpellCheck</name>
    <message>
        <source>English</source>
        <extracomment>The dictionary used when the app&apos;s language has none of its own. The languages&apos; names in the &quot;needs the dictionary&quot; note (translated when shown).</extracomment>
        <translation>Inggris</translation>
    </message>
    <message>
        <source>Indonesian</source>
        <translation>Indonesia</translation>
    </message>
    <message>
        <source>Spell-check needs the enchant library (libenchant-2-2)</source>
        <extracomment>The user&apos;s words, case-folded. Tags whose missing dictionary (or library) a context menu has already told.</extracomment>
        <translation>Pemeriksa ejaan memerlukan pustaka enchant (libenchant-2-2)</translation>
    </message>
    <message>
        <source>Spell-check needs the hunspell dictionary for %1</source>
        <translation>Pemeriksa ejaan memerlukan kamus hunspell untuk bahasa %1</translation>
    </message>
    <message>
        <source>No suggestions</source>
        <translation>Tidak ada saran</translation>
    </message>
    <message>
        <source>Add to dictionary</source>
        <translation>Tambahkan ke kamus</translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>Show chat_desktop</source>
        <extracomment>The sizes the badged icon is rendered at (trays ask for 16–64 px). The unread total shown (tests read it). The icon shown (tests render it). The tooltip shown.</extracomment>
        <translation>Tampilkan chat_desktop</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Kunci</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Keluar</translation>
    </message>
    <message numerus="yes">
        <source>%1 — %n unread</source>
        <translation>
            <numerusform>%1 — %n belum dibaca</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UnlinkQuestion</name>
    <message>
        <source>Unlink</source>
        <translation>Putuskan tautan</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
</context>
<context>
    <name>UnlinkedNotice</name>
    <message>
        <source>Unlinked</source>
        <translation>Tautan diputus</translation>
    </message>
    <message>
        <source>This computer was unlinked from %1&apos;s account</source>
        <translation>Tautan komputer ini ke akun %1 telah diputus</translation>
    </message>
    <message>
        <source>It can no longer send or receive messages. Erasing deletes its messages, contacts and keys from this computer; your other devices keep theirs.</source>
        <translation>Komputer ini tidak dapat lagi mengirim atau menerima pesan. Menghapus data akan menghapus pesan, kontak, dan kunci dari komputer ini; perangkat Anda yang lain tetap menyimpan miliknya.</translation>
    </message>
    <message>
        <source>Erase data from this computer</source>
        <translation>Hapus data dari komputer ini</translation>
    </message>
    <message>
        <source>Keep for now</source>
        <translation>Simpan untuk sementara</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Unlock %1 — chat_desktop</source>
        <translation>Buka kunci %1 — chat_desktop</translation>
    </message>
    <message>
        <source>Unlock chat_desktop</source>
        <translation>Buka kunci chat_desktop</translation>
    </message>
    <message>
        <source>%1&apos;s messages are locked</source>
        <translation>Pesan %1 terkunci</translation>
    </message>
    <message>
        <source>Your messages are locked</source>
        <translation>Pesan Anda terkunci</translation>
    </message>
    <message>
        <source>Enter your password to open your encrypted messages on this computer.</source>
        <translation>Masukkan kata sandi untuk membuka pesan terenkripsi Anda di komputer ini.</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Buka kunci</translation>
    </message>
    <message>
        <source>Forgot your password? Use your recovery key</source>
        <translation>Lupa kata sandi? Gunakan kunci pemulihan</translation>
    </message>
    <message>
        <source>Use the recovery key instead of the password</source>
        <translation>Gunakan kunci pemulihan sebagai ganti kata sandi</translation>
    </message>
    <message>
        <source>The system keychain could not unlock (%1). Enter your password.</source>
        <translation>Gantungan kunci sistem tidak dapat membuka (%1). Masukkan kata sandi Anda.</translation>
    </message>
    <message>
        <source>Enter the recovery key you wrote down when you created this account. You will then choose a new password.</source>
        <translation>Masukkan kunci pemulihan yang Anda tulis saat membuat akun ini. Setelah itu Anda memilih kata sandi baru.</translation>
    </message>
    <message>
        <source>XXXX-XXXX-XXXX-…</source>
        <translation>XXXX-XXXX-XXXX-…</translation>
    </message>
    <message>
        <source>Use my password instead</source>
        <translation>Gunakan kata sandi saya</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Kunci pemulihan</translation>
    </message>
    <message>
        <source>That recovery key does not open this profile.</source>
        <translation>Kunci pemulihan itu tidak membuka profil ini.</translation>
    </message>
    <message>
        <source>Wrong password.</source>
        <translation>Kata sandi salah.</translation>
    </message>
    <message>
        <source>Too many wrong passwords.</source>
        <translation>Terlalu banyak kata sandi salah.</translation>
    </message>
    <message>
        <source>The message database is damaged.</source>
        <translation>Basis data pesan rusak.</translation>
    </message>
    <message>
        <source>%1 Try again in %2 s.</source>
        <translation>%1 Coba lagi dalam %2 dtk.</translation>
    </message>
    <message>
        <source>%1 Try again.</source>
        <translation>%1 Coba lagi.</translation>
    </message>
</context>
<context>
    <name>VoiceRecorder</name>
    <message>
        <source>Record a voice note: click, or hold to talk</source>
        <extracomment>Makes the microphone each recording uses (a test may hand in its own).</extracomment>
        <translation>Rekam pesan suara: klik, atau tahan sambil bicara</translation>
    </message>
    <message>
        <source>Record a voice note</source>
        <translation>Rekam pesan suara</translation>
    </message>
    <message>
        <source>Click to record and click Send, or hold while you talk</source>
        <translation>Klik untuk merekam lalu klik Kirim, atau tahan sambil bicara</translation>
    </message>
    <message>
        <source>No microphone found</source>
        <translation>Mikrofon tidak ditemukan</translation>
    </message>
</context>
<context>
    <name>VoiceRecordingBar</name>
    <message>
        <source>Cancel</source>
        <extracomment>A press held at least this long is &quot;hold to talk&quot;: letting go sends. How often the bar&apos;s time is brought up to date. Bytes per 16-bit mono sample.</extracomment>
        <translation>Batal</translation>
    </message>
    <message>
        <source>Throws the recording away</source>
        <translation>Membuang rekaman</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Kirim</translation>
    </message>
    <message>
        <source>Sends the voice note</source>
        <translation>Mengirim pesan suara</translation>
    </message>
    <message>
        <source>Recording a voice note %1</source>
        <translation>Merekam pesan suara %1</translation>
    </message>
</context>
</TS>
